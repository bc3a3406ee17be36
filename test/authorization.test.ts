// The authorisation matrix, walked completely: every root field of the executable schema (Query,
// Mutation, Subscription) is called by every role (no key, USER, SUPPORT, ADMIN) with another
// account's ids, over the real API (HTTP, and the WebSocket for subscriptions). A role the matrix does not
// allow gets UNAUTHENTICATED or FORBIDDEN and no data; an allowed role on an OWN field gets no trace of the
// other account in its data; an allowed staff role reaches what it is for (a positive control, so the
// probes are known to aim at real ids). Every call of a field the matrix marks audited that acted wrote
// exactly one audit row naming its caller, and every other call none. A field added to the schema
// without a matrix entry and a probe here fails this file.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLField, type GraphQLInputType, type GraphQLNamedType,
} from "graphql";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { GENERATE, GraphQLTestClient } from "./helpers/graphql.js";
import { buildSchema } from "../src/api/schema.js";
import { AUTHORIZATION, renderAuthorizationTable, rootFields } from "../src/api/authorization.js";
import { ROLES, type Role } from "../src/accounts/accounts.js";

let db: TestDatabase;
let app: TestKinema;
let sql: pg.Client;
const schema = buildSchema();

interface Victim {
  accountId: string; key: string; jobId: string; failedJobId: string; spareKeyId: string; marker: string; endpointId: string; deliveryId: string;
  /** fleet-wide things an admin action can reach, so each audited probe can succeed once: a rule, a bank entry, an incident */
  ruleId: string; bankEntryId: string; incidentId: string;
}
let victim: Victim;
const callers: Partial<Record<Role, string>> = {};
const callerIds: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const owner = await app.account("FREE", "USER");
  const marker = "zebracanoe";
  const job = await owner.client.data(GENERATE, { input: { prompt: `a ${marker} at dawn`, durationSeconds: 1 } });
  const failed = await owner.client.data(GENERATE, { input: { prompt: `a ${marker} at dusk`, durationSeconds: 1 } });
  await sql.query(`UPDATE jobs SET status = 'FAILED', error_code = 'NAN_DETECTED', finished_at = now() WHERE id = $1`, [failed.generateVideo.job.id]);
  const spare = await owner.client.data(`mutation { createApiKey(input: { name: "spare" }) { apiKey { id } } }`);
  await sql.query(`UPDATE accounts SET name = $2 WHERE id = $1`, [owner.id, `victim-${marker}`]);
  // A webhook endpoint and a delivery of the victim's (written as the API would; nothing is sent: FAILED).
  const { rows: [endpoint] } = await sql.query(`INSERT INTO webhook_endpoints (account_id, url, events, description, secret)
    VALUES ($1, 'https://example.com/${marker}', '{job.succeeded}', $2, 'v1.x.y.z') RETURNING id`, [owner.id, `victim-${marker}`]);
  const { rows: [delivery] } = await sql.query(`INSERT INTO webhook_deliveries (account_id, endpoint_id, event, payload, state)
    VALUES ($1, $2, 'webhook.test', '{}', 'FAILED') RETURNING id`, [owner.id, endpoint.id]);
  for (const role of ROLES) {
    const caller = await app.account("PLUS", role);
    callers[role] = caller.key;
    callerIds[role] = caller.id;
  }
  // A rule and a bank entry to disable, and an incident to annotate (a blocked prompt opens one), so the
  // walk's admin actions on them succeed and are audited.
  const setup = new GraphQLTestClient(app.url, callers.ADMIN!);
  const rule = await setup.data(`mutation { addSafetyRule(input: { category: VIOLENCE, kind: TERM, pattern: "walkdisableterm" }, reason: "walk setup") { rule { id } } }`);
  const entry = await setup.data(`mutation { addHashBankEntry(input: { hash: "${"b".repeat(64)}", category: "csam", label: "walk setup" }, reason: "walk setup") { entry { id } } }`);
  const blocked = await owner.client.data(GENERATE, { input: { prompt: "porn video of a beach", durationSeconds: 1 } });
  expect(blocked.generateVideo.userErrors).toEqual([expect.objectContaining({ code: "PROMPT_BLOCKED" })]);
  const { rows: [incident] } = await sql.query(`SELECT id::text FROM safety_incidents ORDER BY id DESC LIMIT 1`);
  victim = {
    accountId: owner.id, key: owner.key, jobId: job.generateVideo.job.id, failedJobId: failed.generateVideo.job.id, spareKeyId: spare.createApiKey.apiKey.id, marker,
    endpointId: endpoint.id, deliveryId: delivery.id, ruleId: rule.addSafetyRule.rule.id, bankEntryId: entry.addHashBankEntry.entry.id, incidentId: incident.id,
  };
});
afterAll(async () => {
  await sql?.end();
  await app?.stop();
  await db?.drop();
});

const HOUR = 3_600_000;
const auditRows = async () => Number((await sql.query(`SELECT count(*) FROM audit_log`)).rows[0].count);
/** Arguments for each root field, aimed at the victim's ids wherever a field takes one. */
function probeArgs(v: Victim, role: Role | "ANONYMOUS"): Record<string, Record<string, unknown>> {
  return {
    "Query.me": {},
    "Query.job": { id: v.jobId },
    "Query.jobs": { first: 5 },
    "Query.apiKeys": { includeRevoked: true },
    "Query.sloReport": { window: 3600 },
    "Query.alarms": {},
    "Query.fleetPlan": { input: { arrivalRatePerSecond: 1, gpuSecondsPerClip: 10, gpuHourlyCost: 2 } },
    "Query.schedulerConfig": {},
    "Query.usageLimits": {},
    "Query.safetyRules": { includeDisabled: true },
    "Query.safetyRuleSetVersion": {},
    "Query.retentionConfig": {},
    "Query.safetySwitches": {},
    "Query.staffJob": { id: v.jobId },
    "Query.staffJobs": { first: 5, filter: { accountId: v.accountId } },
    "Query.staffAccount": { id: v.accountId },
    "Query.staffAccounts": { search: v.marker, first: 5 },
    "Query.accountUsage": { accountId: v.accountId, from: new Date(Date.now() - HOUR).toISOString(), to: new Date(Date.now() + HOUR).toISOString() },
    "Query.auditLog": { first: 5 },
    "Query.model": {},
    "Query.regenerationRate": { from: new Date(Date.now() - HOUR).toISOString(), to: new Date(Date.now() + HOUR).toISOString() },
    "Mutation.generateVideo": { input: { prompt: "a quiet harbour", durationSeconds: 1 } },
    "Mutation.cancelJob": { id: v.jobId },
    "Mutation.createApiKey": { input: {} },
    "Mutation.revokeApiKey": { id: v.spareKeyId },
    "Mutation.rotateApiKey": { id: v.spareKeyId, gracePeriodSeconds: 0 },
    "Mutation.updateSchedulerConfig": { input: { freeBurstCap: 4, reason: `walk as ${role}` } },
    "Mutation.updateUsageLimits": { input: { plusQueuedJobs: 400, reason: `walk as ${role}` } },
    "Mutation.addSafetyRule": { input: { category: "VIOLENCE", kind: "TERM", pattern: `walkterm${role.toLowerCase()}` }, reason: "walk" },
    "Mutation.disableSafetyRule": { id: v.ruleId, reason: "walk" },
    "Mutation.updateRetention": { input: { freeDays: 7 }, reason: "walk" },
    "Mutation.updateSafetySwitches": { input: { thresholdFactor: 1, reason: `walk as ${role}` } },
    "Query.hashBankEntries": { includeDisabled: true },
    "Query.hashBankVersion": {},
    "Query.safetyIncidents": { from: new Date(Date.now() - HOUR).toISOString(), to: new Date(Date.now() + HOUR).toISOString() },
    "Mutation.addHashBankEntry": { input: { hash: Buffer.from(role).toString("hex").padEnd(64, "0"), category: "csam", label: "walk" }, reason: "walk" },
    "Mutation.disableHashBankEntry": { id: v.bankEntryId, reason: "walk" },
    "Mutation.annotateSafetyIncident": { id: v.incidentId, note: `walk as ${role}`, reason: "walk" },
    "Mutation.staffCancelJob": { id: v.jobId, reason: "walk" },
    "Mutation.staffRetryJob": { id: v.failedJobId, reason: "walk" },
    "Mutation.staffRevokeApiKey": { id: v.spareKeyId, reason: "walk" },
    "Mutation.suspendAccount": { accountId: v.accountId, reason: "walk" },
    "Mutation.reactivateAccount": { accountId: v.accountId, reason: "walk" },
    "Mutation.setAccountTier": { accountId: v.accountId, tier: "PLUS", reason: "walk" },
    "Mutation.deleteJob": { id: v.jobId },
    // A caller's own account: the wrong confirmation, so the walk's callers stay (CONFIRMATION_MISMATCH).
    "Mutation.deleteAccount": { confirm: `not the name of ${role}` },
    "Mutation.takeDownJob": { id: v.jobId, reason: "walk" },
    // Last: an admin's deletion of the other account ends the walk's changes to it.
    "Mutation.staffDeleteAccount": { accountId: v.accountId, reason: "walk" },
    "Subscription.jobProgress": { id: v.jobId },
    "Query.webhookEndpoints": {},
    "Query.webhookDeliveries": { endpointId: v.endpointId },
    "Mutation.createWebhookEndpoint": { url: "http://10.0.0.1/", events: ["job.succeeded"] },
    "Mutation.updateWebhookEndpoint": { id: v.endpointId, description: "walked" },
    "Mutation.disableWebhookEndpoint": { id: v.endpointId },
    "Mutation.deleteWebhookEndpoint": { id: v.endpointId },
    "Mutation.rotateWebhookSecret": { id: v.endpointId, gracePeriodSeconds: 0 },
    "Mutation.redeliverWebhook": { deliveryId: v.deliveryId },
    "Mutation.sendTestWebhook": { endpointId: v.endpointId },
  };
}

/** Every scalar and enum field down to `depth` levels, skipping fields with required arguments. */
function selection(type: GraphQLNamedType, depth: number): string {
  if (!isObjectType(type)) return "";
  const parts: string[] = [];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(field.name);
    else if (depth > 1) {
      const inner = selection(named, depth - 1);
      if (inner) parts.push(`${field.name} { ${inner} }`);
    }
  }
  return parts.join(" ");
}

function operationFor(field: string, args: Record<string, unknown>): string {
  const [typeName, name] = field.split(".") as [string, string];
  const type = typeName === "Query" ? schema.getQueryType()! : typeName === "Mutation" ? schema.getMutationType()! : schema.getSubscriptionType()!;
  const def = type.getFields()[name]!;
  const used = def.args.filter((a) => a.name in args);
  const vars = used.map((a) => `$${a.name}: ${a.type.toString()}`).join(", ");
  const call = used.map((a) => `${a.name}: $${a.name}`).join(", ");
  const inner = selection(getNamedType(def.type), 3);
  const keyword = typeName === "Query" ? "query" : typeName === "Mutation" ? "mutation" : "subscription";
  return `${keyword} Walk${vars ? `(${vars})` : ""} { ${name}${call ? `(${call})` : ""}${inner ? ` { ${inner} }` : ""} }`;
}

interface Outcome { data: unknown; codes: string[]; closeCode?: number }

async function call(key: string | null, field: string, args: Record<string, unknown>): Promise<Outcome> {
  const query = operationFor(field, args);
  const client = new GraphQLTestClient(app.url, key);
  if (!field.startsWith("Subscription.")) {
    const res = await client.request(query, args);
    const name = field.split(".")[1]!;
    return { data: (res.data as Record<string, unknown> | undefined)?.[name] ?? null, codes: (res.errors ?? []).map((e) => String(e.extensions?.code)) };
  }
  let closeCode: number | undefined;
  const socket = client.socket({ onClose: (code) => { closeCode = code; } });
  try {
    return await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => resolve({ data: null, codes: ["TIMEOUT"] }), 5_000);
      socket.subscribe({ query, variables: args }, {
        next: (value) => { clearTimeout(timer); resolve({ data: value.data ?? null, codes: (value.errors ?? []).map((e) => String(e.extensions?.code)) }); },
        error: (error) => {
          clearTimeout(timer);
          const errors = Array.isArray(error) ? error : [];
          resolve({ data: null, codes: errors.map((e: { extensions?: { code?: string } }) => String(e.extensions?.code)), closeCode });
        },
        complete: () => { clearTimeout(timer); resolve({ data: null, codes: [], closeCode }); },
      });
    });
  } finally {
    await socket.dispose();
  }
}

/**
 * The victim's identifiers and data found in a response's data. A userError may echo the id the caller
 * sent ("No job with id ..."): that tells the caller nothing, so ids are looked for outside userErrors;
 * the victim's own data (the prompt's and the account name's marker) is looked for everywhere.
 */
function leaks(data: unknown): string[] {
  const text = JSON.stringify(data ?? null);
  const withoutEchoes = JSON.stringify(data ?? null, (key, value) => (key === "userErrors" ? undefined : value));
  return [
    ...[victim.accountId, victim.jobId, victim.failedJobId, victim.spareKeyId, victim.endpointId, victim.deliveryId].filter((s) => withoutEchoes.includes(s)),
    ...(text.includes(victim.marker) ? [victim.marker] : []),
  ];
}

describe("the authorisation matrix", () => {
  it("has exactly one entry and one probe per root field of the executable schema", () => {
    const fields = rootFields(schema).sort();
    expect(fields.length).toBeGreaterThan(20);
    expect(Object.keys(AUTHORIZATION).sort()).toEqual(fields);
    expect(Object.keys(probeArgs({} as Victim, "USER")).sort()).toEqual(fields);
  });

  it("takes the role from the key only: no argument of any root field, nor any input inside one, is a Role", () => {
    const roleInputs: string[] = [];
    const seen = new Set<string>();
    const walk = (path: string, type: GraphQLInputType) => {
      const named = getNamedType(type);
      if (named.name === "Role") roleInputs.push(path);
      if (!isInputObjectType(named) || seen.has(named.name)) return;
      seen.add(named.name);
      for (const field of Object.values(named.getFields())) walk(`${path}.${field.name}`, field.type);
    };
    for (const name of rootFields(schema)) {
      const [typeName, fieldName] = name.split(".") as [string, string];
      const root = typeName === "Query" ? schema.getQueryType()! : typeName === "Mutation" ? schema.getMutationType()! : schema.getSubscriptionType()!;
      for (const arg of root.getFields()[fieldName]!.args) walk(`${name}(${arg.name})`, arg.type);
    }
    expect(seen.size).toBeGreaterThan(5); // the walk did reach the input types
    expect(roleInputs).toEqual([]);
  });

  it("is documented as generated (docs/AUTHORIZATION.md)", () => {
    expect(readFileSync("docs/AUTHORIZATION.md", "utf8")).toBe(renderAuthorizationTable());
  });

  it("refuses every field to a caller without a key, writing no audit row", async () => {
    const before = await auditRows();
    for (const [field, args] of Object.entries(probeArgs(victim, "ANONYMOUS"))) {
      const out = await call(null, field, args);
      expect(out.data, field).toBeNull();
      if (field.startsWith("Subscription.")) expect(out.closeCode, field).toBe(4401);
      else expect(out.codes, field).toContain("UNAUTHENTICATED");
    }
    expect(await auditRows()).toBe(before);
  });

  it("walks every field as USER, SUPPORT and ADMIN with another account's ids: refusals where the matrix says, no leak on OWN fields, one audit row per staff action", async () => {
    const victimState = async () => (await sql.query(
      `SELECT (SELECT status FROM jobs WHERE id = $1) AS job, (SELECT status FROM jobs WHERE id = $2) AS failed,
         (SELECT revoked_at IS NULL FROM api_keys WHERE id = $3) AS key_active,
         (SELECT tier::text || coalesce(suspended_at::text, '') FROM accounts WHERE id = $4) AS account,
         (SELECT description || ' ' || enabled::text || ' ' || secret FROM webhook_endpoints WHERE id = $5) AS endpoint,
         (SELECT state FROM webhook_deliveries WHERE id = $6) AS delivery`,
      [victim.jobId, victim.failedJobId, victim.spareKeyId, victim.accountId, victim.endpointId, victim.deliveryId])).rows[0];
    const initial = await victimState();
    expect(initial).toEqual({ job: "QUEUED", failed: "FAILED", key_active: true, account: "FREE", endpoint: `victim-${victim.marker} true v1.x.y.z`, delivery: "FAILED" });
    const audited = new Set<string>();
    for (const role of ROLES) {
      const reached: string[] = [];
      for (const [field, args] of Object.entries(probeArgs(victim, role))) {
        const access = AUTHORIZATION[field]!;
        const rowsBefore = await auditRows();
        const out = await call(callers[role]!, field, args);
        // Every call that acted (allowed, no error, no userErrors) of a field the matrix marks audited
        // wrote exactly one audit row, naming the caller; anything else wrote none.
        const payload = out.data as { userErrors?: unknown[] } | null;
        const acted = access.roles.includes(role) && out.codes.length === 0 && payload !== null && !payload.userErrors?.length;
        expect((await auditRows()) - rowsBefore, `${role} ${field}: audit rows`).toBe(access.audited && acted ? 1 : 0);
        if (access.audited && acted) {
          audited.add(field);
          expect((await sql.query(`SELECT actor_account_id, actor_role FROM audit_log ORDER BY id DESC LIMIT 1`)).rows[0], `${role} ${field}`)
            .toEqual({ actor_account_id: callerIds[role], actor_role: role });
        }
        if (!access.roles.includes(role)) {
          expect(out.codes, `${role} ${field}`).toEqual(["FORBIDDEN"]);
          expect(out.data, `${role} ${field}`).toBeNull();
          continue;
        }
        expect(out.codes.filter((c) => c === "FORBIDDEN" || c === "UNAUTHENTICATED"), `${role} ${field}`).toEqual([]);
        if (access.scope === "OWN") expect(leaks(out.data), `${role} ${field} leaked`).toEqual([]);
        if (access.scope === "ANY_ACCOUNT" && leaks(out.data).length > 0) reached.push(field);
      }
      if (role === "USER") {
        // Nothing a USER called changed the other account.
        expect(await victimState()).toEqual(initial);
        expect(reached).toEqual([]);
      } else {
        // Positive control: the staff reads did reach the other account's data with these very probes.
        expect(reached, role).toEqual(expect.arrayContaining(["Query.staffJob", "Query.staffJobs", "Query.staffAccount", "Query.staffAccounts"]));
      }
    }
    // The staff actions took effect (SUPPORT first): the job cancelled, the failed one retried, the spare
    // key revoked, the account suspended by SUPPORT, then reactivated and made PLUS by ADMIN.
    const final = await victimState();
    expect(final.job).toBe("CANCELLED");
    expect(final.key_active).toBe(false);
    expect(final.account).toBe("PLUS");
    // Webhooks are OWN for every role: no staff probe reached the victim's endpoint or delivery.
    expect([final.endpoint, final.delivery]).toEqual([initial.endpoint, initial.delivery]);
    // Every audited field acted (and wrote its row) at least once in the walk, except a takedown, which
    // needs a delivered clip (none here: test/takedown.test.ts counts its one row).
    const auditedFields = Object.keys(AUTHORIZATION).filter((f) => AUTHORIZATION[f]!.audited && f !== "Mutation.takeDownJob").sort();
    expect([...audited].sort()).toEqual(auditedFields);
  });
});
