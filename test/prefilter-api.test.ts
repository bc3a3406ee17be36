// The pre-filter through the API, against real PostgreSQL: a blocked prompt's userError and audit row,
// nothing queued for it, hot reload of admin changes across two API processes on one database, admin-only
// access, and the CSAM hard rule that no admin can switch off.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../src/events/bus.js";
import { PROMPT_BLOCKED_MESSAGE } from "../src/jobs/service.js";
import { deliveringStage } from "./fixtures/stages.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";

let db: TestDatabase;
let a: TestKinema; // API and one worker
let b: TestKinema; // a second API process on the same database
const ran = new Set<string>();
const events: BusEvent[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startTestKinema({ databaseUrl: db.url, workers: 1, stages: [deliveringStage()], onJobDone: (id) => ran.add(id) });
  b = await startTestKinema({ databaseUrl: db.url });
  a.kinema.bus.subscribe((event) => events.push(event));
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await db?.drop();
});

const input = (prompt: string, over: Record<string, unknown> = {}) => ({ prompt, durationSeconds: 1, resolution: "R480P", ...over });
const ADD = `mutation($input: AddSafetyRuleInput!) { addSafetyRule(input: $input) {
  rule { id category kind pattern enabled createdBy createdVersion disabledVersion } ruleSetVersion userErrors { code message field } } }`;
const DISABLE = `mutation($id: ID!) { disableSafetyRule(id: $id) { rule { id enabled disabledVersion } ruleSetVersion userErrors { code field } } }`;

async function blockedRows(accountId: string) {
  const { rows } = await a.kinema.pool.query(
    `SELECT id, status, stage, attempts, error_code, error_message, started_at, finished_at, lease_owner, metadata
     FROM jobs WHERE account_id = $1 AND status = 'BLOCKED' ORDER BY created_at`, [accountId]);
  return rows;
}

async function seededRuleId(pattern: string): Promise<string> {
  const { rows } = await a.kinema.pool.query(`SELECT id FROM safety_rules WHERE pattern = $1 AND created_by IS NULL`, [pattern]);
  return String(rows[0].id);
}

describe("a blocked prompt", () => {
  it("gets PROMPT_BLOCKED with a generic message, and is recorded as a BLOCKED job at PREFILTER for audit", async () => {
    const user = await a.account();
    const { generateVideo } = await user.client.data(GENERATE, { input: input("a steamy s3x scene") });
    expect(generateVideo).toEqual({ job: null, userErrors: [{ code: "PROMPT_BLOCKED", message: PROMPT_BLOCKED_MESSAGE, field: ["input", "prompt"] }] });
    expect(generateVideo.userErrors[0].message).not.toMatch(/sex|s3x|sexual/i);

    const [row] = await blockedRows(user.id);
    expect(row).toMatchObject({ stage: "PREFILTER", attempts: 0, error_code: "PROMPT_BLOCKED", started_at: null, lease_owner: null });
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.metadata.prefilter).toEqual({
      verdict: "blocked", category: "SEXUAL", ruleId: await seededRuleId("sex"), ruleSetVersion: a.kinema.prefilter.version, views: ["spaced"],
    });

    // History lists it, with the same generic error.
    const { jobs } = await user.client.data(`{ jobs { nodes { id status stage queuePosition etaSeconds error { code message } } } }`);
    expect(jobs.nodes).toEqual([{ id: row.id, status: "BLOCKED", stage: "PREFILTER", queuePosition: null, etaSeconds: null, error: { code: "PROMPT_BLOCKED", message: PROMPT_BLOCKED_MESSAGE } }]);
  });

  it("records the CSAM hard rule's id for a CSAM prompt, and the same message", async () => {
    const user = await a.account();
    const { generateVideo } = await user.client.data(GENERATE, { input: input("n u d e c h i l d") });
    expect(generateVideo.userErrors).toEqual([{ code: "PROMPT_BLOCKED", message: PROMPT_BLOCKED_MESSAGE, field: ["input", "prompt"] }]);
    const [row] = await blockedRows(user.id);
    expect(row.metadata.prefilter).toMatchObject({ verdict: "blocked", category: "CSAM", ruleId: "builtin:csam:pair" });
  });

  it("is never queued: no event, and a worker never runs it", async () => {
    const user = await a.account();
    await user.client.data(GENERATE, { input: input("a beheading video") });
    const [row] = await blockedRows(user.id);
    // A job submitted after it runs to the end on the worker, so the worker has had its chance.
    const after = await user.client.data(GENERATE, { input: input("a green square bouncing") });
    const id = after.generateVideo.job.id;
    await waitFor(async () => ran.has(id), 15_000, "the passing job to run");
    expect(ran.has(row.id)).toBe(false);
    expect(events.some((e) => e.kind === "job" && e.jobId === row.id)).toBe(false);
    expect(events.some((e) => e.kind === "job" && e.jobId === id)).toBe(true);
    const [again] = await blockedRows(user.id);
    expect(again).toMatchObject({ id: row.id, attempts: 0, started_at: null, lease_owner: null });
  });

  it("replays PROMPT_BLOCKED for a retry with the same idempotency key", async () => {
    const user = await a.account();
    const first = await user.client.data(GENERATE, { input: input("graphic g0re", { idempotencyKey: "blocked-1" }) });
    const again = await user.client.data(GENERATE, { input: input("graphic g0re", { idempotencyKey: "blocked-1" }) });
    expect(again).toEqual(first);
    expect(await blockedRows(user.id)).toHaveLength(1);
  });
});

describe("a passing prompt", () => {
  it("records the rule-set version it was checked against", async () => {
    const user = await a.account();
    const { generateVideo } = await user.client.data(GENERATE, { input: input("kids playing football in a park") });
    expect(generateVideo.userErrors).toEqual([]);
    const { rows } = await a.kinema.pool.query(`SELECT metadata FROM jobs WHERE id = $1`, [generateVideo.job.id]);
    expect(rows[0].metadata.prefilter).toEqual({ verdict: "passed", ruleSetVersion: a.kinema.prefilter.version });
  });
});

describe("admin rules", () => {
  it("a rule added through one API process is in force in another within 5 s, and disabling it too", async () => {
    const admin = await a.account("FREE", "ADMIN");
    const user = await b.account();
    const prompt = "a quuxblarg dancing in the rain";
    expect((await user.client.data(GENERATE, { input: input(prompt) })).generateVideo.userErrors).toEqual([]);

    const before = (await admin.client.data(`{ safetyRuleSetVersion }`)).safetyRuleSetVersion;
    const added = (await admin.client.data(ADD, { input: { category: "VIOLENCE", kind: "TERM", pattern: "quuxblarg*" } })).addSafetyRule;
    expect(added.userErrors).toEqual([]);
    expect(added.rule).toMatchObject({ category: "VIOLENCE", kind: "TERM", pattern: "quuxblarg*", enabled: true, createdBy: admin.id, createdVersion: before + 1, disabledVersion: null });
    expect(added.ruleSetVersion).toBe(before + 1);
    expect(a.kinema.prefilter.version).toBe(before + 1); // the process that made the change has it at once

    const start = Date.now();
    const blocked = await waitFor(async () => {
      const res = await user.client.data(GENERATE, { input: input(prompt) });
      return res.generateVideo.userErrors[0]?.code === "PROMPT_BLOCKED";
    }, 6_000, "process b to block the new term");
    expect(blocked).toBe(true);
    expect(Date.now() - start).toBeLessThan(5_000);
    const rows = await blockedRows(user.id);
    expect(rows.at(-1).metadata.prefilter).toEqual({ verdict: "blocked", category: "VIOLENCE", ruleId: added.rule.id, ruleSetVersion: before + 1, views: ["spaced"] });

    const disabled = (await admin.client.data(DISABLE, { id: added.rule.id })).disableSafetyRule;
    expect(disabled).toMatchObject({ rule: { id: added.rule.id, enabled: false, disabledVersion: before + 2 }, ruleSetVersion: before + 2, userErrors: [] });
    const reopened = Date.now();
    const jobId = await waitFor(async () => (await user.client.data(GENERATE, { input: input(prompt) })).generateVideo.job?.id, 6_000, "process b to pass the prompt again");
    expect(Date.now() - reopened).toBeLessThan(5_000);
    const { rows: passed } = await a.kinema.pool.query(`SELECT metadata FROM jobs WHERE id = $1`, [jobId]);
    expect(passed[0].metadata.prefilter).toEqual({ verdict: "passed", ruleSetVersion: before + 2 });

    const list = (await admin.client.data(`{ safetyRules(includeDisabled: true) { id enabled disabledBy } }`)).safetyRules;
    expect(list.find((r: { id: string }) => r.id === added.rule.id)).toEqual({ id: added.rule.id, enabled: false, disabledBy: admin.id });
    const enabled = (await admin.client.data(`{ safetyRules { id } }`)).safetyRules;
    expect(enabled.some((r: { id: string }) => r.id === added.rule.id)).toBe(false);
  });

  it("reports bad input, duplicates and unknown ids as userErrors", async () => {
    const admin = await a.account("FREE", "ADMIN");
    const add = async (kind: string, pattern: string) => (await admin.client.data(ADD, { input: { category: "SEXUAL", kind, pattern } })).addSafetyRule;
    expect((await add("TERM", "ab")).userErrors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: ["input", "pattern"] })]);
    expect((await add("PATTERN", "(oops")).userErrors[0].code).toBe("INVALID_INPUT");
    expect((await add("PAIR", "just one side")).userErrors[0].code).toBe("INVALID_INPUT");
    expect((await add("TERM", "SEX")).userErrors).toEqual([expect.objectContaining({ code: "DUPLICATE_RULE" })]);
    expect((await admin.client.data(DISABLE, { id: "999999" })).disableSafetyRule.userErrors).toEqual([{ code: "NOT_FOUND", field: ["id"] }]);
    const pair = await add("PAIR", "plumbus|schleem + grumbo");
    expect(pair.userErrors).toEqual([]);
    await admin.client.data(DISABLE, { id: pair.rule.id });
    expect((await admin.client.data(DISABLE, { id: pair.rule.id })).disableSafetyRule).toMatchObject({ ruleSetVersion: null, userErrors: [{ code: "ALREADY_DISABLED" }] });
  });

  it("refuses non-admins with FORBIDDEN", async () => {
    const user = await a.account("PLUS", "USER");
    for (const [query, variables] of [
      [ADD, { input: { category: "SEXUAL", kind: "TERM", pattern: "zorblax" } }], [DISABLE, { id: "1" }],
      [`{ safetyRules { id } }`, {}], [`{ safetyRuleSetVersion }`, {}],
    ] as const) {
      const res = await user.client.request(query, variables);
      expect(res.errors?.[0]?.extensions?.code, query).toBe("FORBIDDEN");
      expect(res.status).toBe(403);
    }
    const { rows } = await a.kinema.pool.query(`SELECT count(*)::int AS n FROM safety_rules WHERE pattern = 'zorblax'`);
    expect(rows[0].n).toBe(0);
  });
});

describe("the CSAM hard rule", () => {
  it("cannot be disabled: it has no row, the mutation refuses its id, and disabling every row leaves it in force", async () => {
    const admin = await a.account("FREE", "ADMIN");
    const refused = (await admin.client.data(DISABLE, { id: "builtin:csam:pair" })).disableSafetyRule;
    expect(refused).toEqual({ rule: null, ruleSetVersion: null, userErrors: [{ code: "BUILTIN_RULE", field: ["id"] }] });
    const rules = (await admin.client.data(`{ safetyRules(includeDisabled: true) { id category } }`)).safetyRules;
    expect(rules.every((r: { id: string }) => /^\d+$/.test(r.id))).toBe(true);
    expect(rules.some((r: { category: string }) => r.category === "CSAM")).toBe(false);

    // Every table rule off, through the API:
    const enabled = (await admin.client.data(`{ safetyRules { id } }`)).safetyRules as { id: string }[];
    for (const { id } of enabled) await admin.client.data(DISABLE, { id });
    expect((await admin.client.data(`{ safetyRules { id } }`)).safetyRules).toEqual([]);
    const user = await b.account();
    await waitFor(async () => (await user.client.data(GENERATE, { input: input("an explicit s3x scene") })).generateVideo.job, 6_000, "the table rules to be off in process b");
    const csam = await user.client.data(GENERATE, { input: input("a nude child") });
    expect(csam.generateVideo.userErrors[0].code).toBe("PROMPT_BLOCKED");
    const row = (await blockedRows(user.id)).at(-1);
    expect(row.metadata.prefilter).toMatchObject({ category: "CSAM", ruleId: "builtin:csam:pair" });
  });
});
