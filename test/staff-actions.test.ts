// Staff actions over the real API, each audited: every action writes exactly one audit_log row in its own
// transaction (a refused attempt writes none); audit rows cannot be changed, deleted or truncated; a
// suspension refuses the account's keys (HTTP 403 ACCOUNT_SUSPENDED, open sockets closed with 4423) and
// cancels its queued jobs; a retry gives a FAILED job a fresh attempt budget with the same settings;
// safety-rule and scheduler changes are audited too; only admins read the log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { RawSocket } from "./helpers/raw-socket.js";
import { CloseCode } from "../src/api/close-codes.js";

let db: TestDatabase;
let app: TestKinema;
let sql: pg.Client;
let support: Awaited<ReturnType<TestKinema["account"]>>;
let admin: Awaited<ReturnType<TestKinema["account"]>>;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  support = await app.account("PLUS", "SUPPORT");
  admin = await app.account("PLUS", "ADMIN");
});
afterAll(async () => {
  await sql?.end();
  await app?.stop();
  await db?.drop();
});

const auditCount = async () => Number((await sql.query(`SELECT count(*) FROM audit_log`)).rows[0].count);
const lastAudit = async () => (await sql.query(`SELECT * FROM audit_log ORDER BY id DESC LIMIT 1`)).rows[0];
const ERRORS = "userErrors { code message field }";

async function customerWithJobs(n: number) {
  const customer = await app.account("FREE", "USER");
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await customer.client.data(GENERATE, { input: { prompt: `a lighthouse ${i}`, durationSeconds: 1 } })).generateVideo.job.id);
  return { ...customer, jobs: ids };
}

/** Runs a staff mutation and returns its payload, with the audit rows it added. */
async function act(client: typeof support.client, mutation: string, variables: Record<string, unknown>) {
  const before = await auditCount();
  const data = await client.data(mutation, variables);
  const payload = Object.values(data)[0] as { userErrors: { code: string }[] } & Record<string, any>;
  return { payload, rows: (await auditCount()) - before };
}

describe("staff actions", () => {
  it("cancel, retry, revoke, tier, suspend and reactivate each write exactly one audit row, with who, what, target, reason, before and after", async () => {
    const customer = await customerWithJobs(2);
    const spare = (await customer.client.data(`mutation { createApiKey(input: {}) { apiKey { id } } }`)).createApiKey.apiKey.id;

    const cancel = await act(support.client, `mutation($id: ID!, $r: String!) { staffCancelJob(id: $id, reason: $r) { job { job { id status } account { id } } ${ERRORS} } }`, { id: customer.jobs[0], r: "customer asked by email" });
    expect(cancel).toMatchObject({ rows: 1, payload: { userErrors: [], job: { job: { status: "CANCELLED" }, account: { id: customer.id } } } });
    expect(await lastAudit()).toMatchObject({
      actor_account_id: support.id, actor_role: "SUPPORT", action: "job.cancel", target_type: "Job", target_id: customer.jobs[0],
      reason: "customer asked by email", before: expect.objectContaining({ status: "QUEUED" }), after: expect.objectContaining({ status: "CANCELLED" }),
    });
    const meta = (await sql.query(`SELECT metadata FROM jobs WHERE id = $1`, [customer.jobs[0]])).rows[0].metadata;
    expect(meta.cancel).toMatchObject({ by: "staff", accountId: support.id, reason: "customer asked by email" });

    // Retry: only FAILED; a fresh attempt budget, the same settings.
    await sql.query(`UPDATE jobs SET status = 'FAILED', attempts = 3, error_code = 'NAN_DETECTED', finished_at = now(), steps_completed = 7 WHERE id = $1`, [customer.jobs[1]]);
    const settings = (await sql.query(`SELECT prompt, seed, width, height, step_budget, max_attempts, fencing_token FROM jobs WHERE id = $1`, [customer.jobs[1]])).rows[0];
    const retry = await act(support.client, `mutation($id: ID!, $r: String!) { staffRetryJob(id: $id, reason: $r) { job { job { status attempts stepsCompleted error { code } } } ${ERRORS} } }`, { id: customer.jobs[1], r: "NaN fixed in model v2" });
    expect(retry).toMatchObject({ rows: 1, payload: { userErrors: [], job: { job: { status: "QUEUED", attempts: 0, stepsCompleted: 0, error: null } } } });
    const after = (await sql.query(`SELECT prompt, seed, width, height, step_budget, max_attempts, fencing_token FROM jobs WHERE id = $1`, [customer.jobs[1]])).rows[0];
    expect({ ...after, fencing_token: undefined }).toEqual({ ...settings, fencing_token: undefined });
    expect(after.fencing_token).toBeGreaterThan(settings.fencing_token);
    expect(await lastAudit()).toMatchObject({ action: "job.retry", before: expect.objectContaining({ status: "FAILED", attempts: 3 }), after: expect.objectContaining({ status: "QUEUED", attempts: 0 }) });
    const again = await act(support.client, `mutation($id: ID!, $r: String!) { staffRetryJob(id: $id, reason: $r) { ${ERRORS} } }`, { id: customer.jobs[1], r: "twice" });
    expect(again).toMatchObject({ rows: 0, payload: { userErrors: [{ code: "NOT_RETRYABLE" }] } });

    const revoke = await act(support.client, `mutation($id: ID!, $r: String!) { staffRevokeApiKey(id: $id, reason: $r) { apiKey { id active } ${ERRORS} } }`, { id: spare, r: "key posted publicly" });
    expect(revoke).toMatchObject({ rows: 1, payload: { userErrors: [], apiKey: { id: spare, active: false } } });
    expect(JSON.stringify(await lastAudit())).not.toMatch(/key_?hash/i);

    const TIER = `mutation($id: ID!, $t: Tier!, $r: String!) { setAccountTier(accountId: $id, tier: $t, reason: $r) { account { tier } ${ERRORS} } }`;
    const tier = await act(admin.client, TIER, { id: customer.id, t: "PLUS", r: "paid invoice 42" });
    expect(tier).toMatchObject({ rows: 1, payload: { userErrors: [], account: { tier: "PLUS" } } });
    expect(await lastAudit()).toMatchObject({ action: "account.setTier", actor_role: "ADMIN", before: expect.objectContaining({ tier: "FREE" }), after: expect.objectContaining({ tier: "PLUS" }) });
    // The customer's next request runs with the new tier at once (this process dropped its cached key).
    expect((await customer.client.data(`{ me { tier } }`)).me.tier).toBe("PLUS");
    expect((await act(admin.client, TIER, { id: customer.id, t: "PLUS", r: "again" }))).toMatchObject({ rows: 0, payload: { userErrors: [{ code: "UNCHANGED" }] } });

    const SUSPEND = `mutation($id: ID!, $r: String!) { suspendAccount(accountId: $id, reason: $r) { cancelledJobs account { suspendedAt suspendedReason } ${ERRORS} } }`;
    const suspend = await act(support.client, SUSPEND, { id: customer.id, r: "chargeback fraud" });
    expect(suspend).toMatchObject({ rows: 1, payload: { userErrors: [], cancelledJobs: 1, account: { suspendedReason: "chargeback fraud" } } });
    const REACTIVATE = `mutation($id: ID!, $r: String!) { reactivateAccount(accountId: $id, reason: $r) { account { suspendedAt } ${ERRORS} } }`;
    expect(await act(admin.client, REACTIVATE, { id: customer.id, r: "resolved" })).toMatchObject({ rows: 1, payload: { userErrors: [], account: { suspendedAt: null } } });
    expect(await act(admin.client, REACTIVATE, { id: customer.id, r: "resolved" })).toMatchObject({ rows: 0, payload: { userErrors: [{ code: "NOT_SUSPENDED" }] } });
  });

  it("announces a staff cancel and a suspension's cancels once each, in the statement that makes them", async () => {
    // The bus's own channel, heard on a connection of our own: what every API and worker process hears.
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const heard: { jobId: string; status: string }[] = [];
    listener.on("notification", (msg) => { if (msg.payload) heard.push(JSON.parse(msg.payload)); });
    await listener.query("LISTEN kinema_events");
    try {
      const customer = await customerWithJobs(3);
      await act(support.client, `mutation($id: ID!, $r: String!) { staffCancelJob(id: $id, reason: $r) { ${ERRORS} } }`, { id: customer.jobs[0], r: "announce test" });
      await act(support.client, `mutation($id: ID!, $r: String!) { suspendAccount(accountId: $id, reason: $r) { ${ERRORS} } }`, { id: customer.id, r: "announce test" });
      await new Promise((r) => setTimeout(r, 300)); // a second, late announcement would arrive by now
      for (const id of customer.jobs) {
        expect(heard.filter((e) => e.jobId === id && e.status === "CANCELLED"), id).toHaveLength(1);
      }
    } finally {
      await listener.end();
    }
  });

  it("requires a non-empty reason and writes nothing without one", async () => {
    const customer = await customerWithJobs(1);
    for (const reason of ["", "   ", "x".repeat(1001)]) {
      const res = await act(support.client, `mutation($id: ID!, $r: String!) { staffCancelJob(id: $id, reason: $r) { ${ERRORS} } }`, { id: customer.jobs[0], r: reason });
      expect(res.rows).toBe(0);
      expect(res.payload.userErrors[0]!.code).toBe(reason.length > 1000 ? "INVALID_REASON" : "REASON_REQUIRED");
    }
    expect((await sql.query(`SELECT status FROM jobs WHERE id = $1`, [customer.jobs[0]])).rows[0].status).toBe("QUEUED");
  });

  it("suspends: HTTP gets ACCOUNT_SUSPENDED, open sockets close with 4423, queued jobs are cancelled; reactivation restores the keys", async () => {
    const customer = await customerWithJobs(3);
    const socket = await RawSocket.open(app.url, customer.key);
    expect(socket.isOpen).toBe(true);
    const { payload } = await act(support.client, `mutation($id: ID!, $r: String!) { suspendAccount(accountId: $id, reason: $r) { cancelledJobs ${ERRORS} } }`, { id: customer.id, r: "abuse report 7" });
    expect(payload).toMatchObject({ cancelledJobs: 3, userErrors: [] });
    expect((await socket.closed).code).toBe(CloseCode.AccountSuspended);
    const refused = await customer.client.request(`{ me { id } }`);
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions?.code).toBe("ACCOUNT_SUSPENDED");
    const statuses = (await sql.query(`SELECT status, metadata->'cancel'->>'reason' AS reason FROM jobs WHERE account_id = $1`, [customer.id])).rows;
    expect(statuses).toEqual(Array(3).fill({ status: "CANCELLED", reason: "abuse report 7" }));
    const late = await RawSocket.open(app.url, customer.key);
    expect((await late.closed).code).toBe(CloseCode.AccountSuspended);
    // Staff cannot suspend themselves (a locked-out support desk).
    const self = await support.client.data(`mutation($id: ID!) { suspendAccount(accountId: $id, reason: "test") { ${ERRORS} } }`, { id: support.id });
    expect(self.suspendAccount.userErrors[0].code).toBe("SELF_SUSPENSION");
    await admin.client.data(`mutation($id: ID!) { reactivateAccount(accountId: $id, reason: "appeal granted") { ${ERRORS} } }`, { id: customer.id });
    expect((await customer.client.data(`{ me { id } }`)).me.id).toBe(customer.id);
  });

  it("a staff revocation closes the key's open sockets (4403) in this process at once", async () => {
    const customer = await customerWithJobs(0);
    const socket = await RawSocket.open(app.url, customer.key);
    expect(socket.isOpen).toBe(true);
    const keyId = (await customer.client.data(`{ apiKeys { id current } }`)).apiKeys.find((k: { current: boolean }) => k.current).id;
    const { payload, rows } = await act(support.client, `mutation($id: ID!, $r: String!) { staffRevokeApiKey(id: $id, reason: $r) { ${ERRORS} } }`, { id: keyId, r: "leaked in a public repo" });
    expect({ payload, rows }).toEqual({ payload: { userErrors: [] }, rows: 1 });
    expect((await socket.closed).code).toBe(CloseCode.KeyRevoked);
    expect((await customer.client.request(`{ me { id } }`)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("audits safety-rule and scheduler changes in the statement that makes them", async () => {
    let before = await auditCount();
    const added = await admin.client.data(`mutation { addSafetyRule(input: { category: VIOLENCE, kind: TERM, pattern: "audittestterm" }, reason: "new slur list") { rule { id } ${ERRORS} } }`);
    expect(await auditCount()).toBe(before + 1);
    expect(await lastAudit()).toMatchObject({ action: "safetyRule.add", actor_account_id: admin.id, target_id: added.addSafetyRule.rule.id, reason: "new slur list", before: null, after: expect.objectContaining({ pattern: "audittestterm" }) });
    before = await auditCount();
    await admin.client.data(`mutation($id: ID!) { disableSafetyRule(id: $id, reason: "false positives") { ${ERRORS} } }`, { id: added.addSafetyRule.rule.id });
    expect(await auditCount()).toBe(before + 1);
    expect(await lastAudit()).toMatchObject({ action: "safetyRule.disable", before: expect.objectContaining({ enabled: true }), after: expect.objectContaining({ enabled: false }) });
    before = await auditCount();
    await admin.client.data(`mutation { updateSchedulerConfig(input: { freeBurstCap: 6, reason: "holiday load" }) { ${ERRORS} } }`);
    expect(await auditCount()).toBe(before + 1);
    expect(await lastAudit()).toMatchObject({
      action: "scheduler.update", actor_role: "ADMIN", reason: "holiday load",
      before: expect.objectContaining({ freeBurstCap: 3 }), after: expect.objectContaining({ freeBurstCap: 6 }),
    });
  });
});

describe("the audit log", () => {
  it("refuses UPDATE, DELETE and TRUNCATE, even to the table's owner", async () => {
    expect(await auditCount()).toBeGreaterThan(0);
    const count = await auditCount();
    await expect(sql.query(`UPDATE audit_log SET reason = 'edited'`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    expect(await auditCount()).toBe(count);
  });

  it("is readable by admins only, newest first, filtered and paged", async () => {
    expect((await support.client.request(`{ auditLog { nodes { id } } }`)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const Q = `query($f: AuditLogFilter, $after: String) { auditLog(filter: $f, first: 2, after: $after) { nodes { id action actorRole targetType reason before after createdAt } pageInfo { hasNextPage endCursor } } }`;
    const first = (await admin.client.data(Q, { f: { actorAccountId: support.id } })).auditLog;
    expect(first.nodes).toHaveLength(2);
    expect(first.nodes.every((n: { actorRole: string }) => n.actorRole === "SUPPORT")).toBe(true);
    expect(Number(first.nodes[0].id)).toBeGreaterThan(Number(first.nodes[1].id));
    const next = (await admin.client.data(Q, { f: { actorAccountId: support.id }, after: first.pageInfo.endCursor })).auditLog;
    expect(Number(next.nodes[0].id)).toBeLessThan(Number(first.nodes[1].id));
    const suspensions = (await admin.client.data(Q, { f: { action: "account.suspend" } })).auditLog.nodes;
    expect(suspensions.length).toBeGreaterThan(0);
    expect(JSON.parse(suspensions[0].after)).toMatchObject({ suspendedReason: expect.any(String) });
  });
});
