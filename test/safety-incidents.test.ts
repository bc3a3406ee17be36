// Safety incidents and the hash bank's admin API, through the real API, runner and PostgreSQL: blocks
// by the pre-filter (a rule) and the post-filter (a bank entry, a classifier) are grouped into incidents
// with first/last seen and distinct job counts by the trigger on jobs; staff list them by time range,
// admins annotate and close them (audited, and a closed incident's pattern opens a new one). Bank
// entries: admin-only list/add/disable, validated, audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockedError } from "../src/queue/errors.js";
import type { Stage } from "../workers/pipeline.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";

/** A post-filter stand-in: "alpha" prompts match bank entry 7, "beta" ones are flagged nsfw, others pass. */
function verdictStage(): Stage {
  return {
    stage: "POSTFILTER",
    async run(ctx) {
      if (ctx.job.prompt.includes("alpha")) {
        throw new BlockedError("csam", { hashGate: { summary: { frames: 24 }, matches: [{ frame: 3, label: "te#1", bankHash: "a".repeat(64), distance: 4, entryId: 7, category: "csam", transform: "FLIP_Y" }] } });
      }
      if (ctx.job.prompt.includes("beta")) throw new BlockedError("nsfw", { flagged: [{ frame: 0, category: "nsfw" }] });
    },
  };
}

let db: TestDatabase;
let app: TestKinema;
const done = new Set<string>();
let admin: Awaited<ReturnType<TestKinema["account"]>>;
let support: Awaited<ReturnType<TestKinema["account"]>>;
let user: Awaited<ReturnType<TestKinema["account"]>>;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url, workers: 1, stages: [verdictStage()], onJobDone: (id) => done.add(id) });
  admin = await app.account("PLUS", "ADMIN");
  support = await app.account("PLUS", "SUPPORT");
  user = await app.account();
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

async function generate(prompt: string): Promise<string | null> {
  const { generateVideo } = await user.client.data(GENERATE, { input: { prompt, durationSeconds: 1, resolution: "R480P" } });
  const id = generateVideo.job?.id ?? null;
  if (id) await waitFor(async () => done.has(id), 60_000, `job ${id}`);
  return id;
}

const INCIDENTS = `query($from: DateTime!, $to: DateTime!, $status: SafetyIncidentStatus) { safetyIncidents(from: $from, to: $to, status: $status) {
  id source pattern category firstSeen lastSeen jobsAffected status note closedAt closedBy annotatedBy } }`;
const ANNOTATE = `mutation($id: ID!, $note: String, $close: Boolean) { annotateSafetyIncident(id: $id, note: $note, close: $close) {
  incident { id status note closedBy } userErrors { code field } } }`;

describe("safety incidents", () => {
  const start = new Date(Date.now() - 1000);
  let bankIncident: { id: string; firstSeen: string; lastSeen: string };

  it("groups blocks by rule, bank entry and classifier, with first/last seen and distinct job counts", async () => {
    for (const prompt of ["a beheading video", "beheading video at dawn"]) expect(await generate(prompt)).toBeNull(); // pre-filter
    for (const prompt of ["a red ball alpha", "a red cube alpha", "a red cone alpha"]) await generate(prompt);
    await generate("a blue cube beta");
    await generate("a green square"); // passes: no incident

    const { safetyIncidents } = await support.client.data(INCIDENTS, { from: start.toISOString(), to: new Date(Date.now() + 1000).toISOString() });
    const byPattern = Object.fromEntries(safetyIncidents.map((i: { pattern: string }) => [i.pattern, i]));
    const { rows } = await app.kinema.pool.query(`SELECT id::text FROM safety_rules WHERE pattern = 'beheading*'`);
    const rule = byPattern[rows[0].id];
    expect(rule).toMatchObject({ source: "PREFILTER", category: "violence", jobsAffected: 2, status: "OPEN" });
    bankIncident = byPattern["bank:7"];
    expect(bankIncident).toMatchObject({ source: "POSTFILTER", category: "csam", jobsAffected: 3, status: "OPEN" });
    expect(new Date(bankIncident.lastSeen).getTime()).toBeGreaterThan(new Date(bankIncident.firstSeen).getTime());
    expect(byPattern["classifier:nsfw"]).toMatchObject({ source: "POSTFILTER", category: "nsfw", jobsAffected: 1 });
    expect(safetyIncidents).toHaveLength(3);
    // the jobs behind the bank incident, once each
    const jobs = await app.kinema.pool.query(`SELECT count(*)::int AS n FROM safety_incident_jobs WHERE incident_id = $1`, [Number(bankIncident.id)]);
    expect(jobs.rows[0].n).toBe(3);

    // a range before any of them: none
    const before = await support.client.data(INCIDENTS, { from: new Date(Date.now() - 86_400_000).toISOString(), to: start.toISOString() });
    expect(before.safetyIncidents).toEqual([]);
  }, 240_000);

  it("lets an admin annotate and close one (audited); the next block of that pattern opens a new incident", async () => {
    const refused = await support.client.request(ANNOTATE, { id: bankIncident.id, note: "x" });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await user.client.request(INCIDENTS, { from: start.toISOString(), to: new Date().toISOString() })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const noted = await admin.client.data(ANNOTATE, { id: bankIncident.id, note: "list te-2026-12 entry 7: confirmed", close: true });
    expect(noted.annotateSafetyIncident).toEqual({ incident: { id: bankIncident.id, status: "CLOSED", note: "list te-2026-12 entry 7: confirmed", closedBy: admin.id }, userErrors: [] });
    const again = await admin.client.data(ANNOTATE, { id: bankIncident.id, close: true });
    expect(again.annotateSafetyIncident.userErrors).toEqual([{ code: "ALREADY_CLOSED", field: ["close"] }]);
    const missing = await admin.client.data(ANNOTATE, { id: "999999", note: "x" });
    expect(missing.annotateSafetyIncident.userErrors).toEqual([{ code: "NOT_FOUND", field: ["id"] }]);
    const audit = await app.kinema.pool.query(`SELECT action, actor_account_id FROM audit_log WHERE target_type = 'SafetyIncident'`);
    expect(audit.rows).toEqual([{ action: "safetyIncident.close", actor_account_id: admin.id }]);

    await generate("a red sphere alpha");
    const { safetyIncidents } = await support.client.data(INCIDENTS, { from: start.toISOString(), to: new Date(Date.now() + 1000).toISOString() });
    const bank = safetyIncidents.filter((i: { pattern: string }) => i.pattern === "bank:7");
    expect(bank.map((i: { status: string; jobsAffected: number }) => [i.status, i.jobsAffected])).toEqual([["OPEN", 1], ["CLOSED", 3]]);
  }, 120_000);
});

describe("the hash bank's admin API", () => {
  const ADD = `mutation($input: AddHashBankEntryInput!, $reason: String) { addHashBankEntry(input: $input, reason: $reason) {
    entry { id hash category label quality source addedBy enabled } userErrors { code field } } }`;
  const DISABLE = `mutation($id: ID!, $reason: String) { disableHashBankEntry(id: $id, reason: $reason) { entry { id enabled disabledBy disabledReason } userErrors { code field } } }`;
  const LIST = `query($category: String, $all: Boolean) { hashBankEntries(category: $category, includeDisabled: $all) { id hash enabled } hashBankVersion }`;

  it("is for admins only, validates input, and audits each change once", async () => {
    const hash = "ab".repeat(32);
    expect((await support.client.request(LIST, {})).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await support.client.request(ADD, { input: { hash, category: "csam", label: "x" } })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const before = (await admin.client.data(LIST, {})).hashBankVersion;

    const added = await admin.client.data(ADD, { input: { hash: hash.toUpperCase(), category: "csam", label: " case 1 ", quality: 90 }, reason: "report 42" });
    expect(added.addHashBankEntry.userErrors).toEqual([]);
    expect(added.addHashBankEntry.entry).toMatchObject({ hash, category: "csam", label: "case 1", quality: 90, source: "admin", addedBy: admin.id, enabled: true });
    const id = added.addHashBankEntry.entry.id;

    const bad = async (input: Record<string, unknown>) => (await admin.client.data(ADD, { input: { hash, category: "csam", label: "x", ...input } })).addHashBankEntry.userErrors;
    expect(await bad({})).toEqual([{ code: "DUPLICATE_ENTRY", field: ["input", "hash"] }]);
    expect(await bad({ hash: "abc" })).toEqual([{ code: "INVALID_INPUT", field: ["input", "hash"] }]);
    expect(await bad({ category: "CSAM" })).toEqual([{ code: "INVALID_INPUT", field: ["input", "category"] }]);
    expect(await bad({ label: " " })).toEqual([{ code: "INVALID_INPUT", field: ["input", "label"] }]);
    expect(await bad({ category: "ncii", quality: 30 })).toEqual([{ code: "INVALID_INPUT", field: ["input", "quality"] }]);

    const listed = await admin.client.data(LIST, { category: "csam" });
    expect(listed.hashBankEntries).toEqual([{ id, hash, enabled: true }]);
    expect(listed.hashBankVersion).toBe(before + 1);

    const disabled = await admin.client.data(DISABLE, { id, reason: "false positive" });
    expect(disabled.disableHashBankEntry).toEqual({ entry: { id, enabled: false, disabledBy: admin.id, disabledReason: "false positive" }, userErrors: [] });
    expect((await admin.client.data(DISABLE, { id })).disableHashBankEntry.userErrors).toEqual([{ code: "ALREADY_DISABLED", field: ["id"] }]);
    expect((await admin.client.data(DISABLE, { id: "nope" })).disableHashBankEntry.userErrors).toEqual([{ code: "NOT_FOUND", field: ["id"] }]);
    expect((await admin.client.data(LIST, {})).hashBankEntries).toEqual([]);
    expect((await admin.client.data(LIST, { all: true })).hashBankEntries).toEqual([{ id, hash, enabled: false }]);

    const audit = await app.kinema.pool.query(`SELECT action, target_id, reason, actor_account_id FROM audit_log WHERE target_type = 'HashBankEntry' ORDER BY id`);
    expect(audit.rows).toEqual([
      { action: "hashBank.add", target_id: id, reason: "report 42", actor_account_id: admin.id },
      { action: "hashBank.disable", target_id: id, reason: "false positive", actor_account_id: admin.id },
    ]);
  }, 120_000);
});
