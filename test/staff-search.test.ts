// Staff reads across accounts: jobs by every filter (account, status, error code, tier, stage, worker,
// time range, prompt words through the full-text index), newest first and cursor-paginated; a page of 100
// costs the same number of SQL statements as a page of 5 (counted on a wrapped pool); accounts by id, name
// and key prefix; an account's usage over a window; the query cost limits hold for staff too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute, parse } from "graphql";
import pg from "pg";
import { createPool, type Sql } from "../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { buildSchema } from "../src/api/schema.js";
import { createLoaders } from "../src/api/loaders.js";
import { StaffSearch } from "../src/staff/search.js";
import type { GraphQLContext } from "../src/api/context.js";

let db: TestDatabase;
let app: TestKinema;
let pool: pg.Pool;
let support: Awaited<ReturnType<TestKinema["account"]>>;
let alice: Awaited<ReturnType<TestKinema["account"]>>;
let bob: Awaited<ReturnType<TestKinema["account"]>>;

const CASTS: Record<string, string> = { tier: '"Tier"', status: '"JobStatus"', stage: '"JobStage"', metadata: "jsonb", error_code: "text", lease_owner: "text" };

/** Inserts `count` jobs for an account, one second apart (the newest last), with the given columns. */
async function insert(accountId: string, count: number, columns: Record<string, unknown> = {}, prompt = "job"): Promise<void> {
  const all: Record<string, unknown> = { tier: "FREE", status: "QUEUED", stage: "QUEUED", ...columns };
  const names = Object.keys(all);
  await pool.query(
    `INSERT INTO jobs (account_id, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, created_at${names.map((n) => `, ${n}`).join("")})
     SELECT $1, $3 || ' ' || g, 'R480P', 854, 480, 1, 24, g, 8, 3, now() - interval '1 hour' + g * interval '1 second'${names.map((n, i) => `, $${i + 4}::${CASTS[n]}`).join("")}
     FROM generate_series(1, $2) g`, [accountId, count, prompt, ...Object.values(all)]);
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
  pool = createPool(db.url, 4);
  support = await app.account("PLUS", "SUPPORT");
  alice = await app.account("FREE", "USER");
  bob = await app.account("PLUS", "USER");
  await pool.query(`UPDATE accounts SET name = 'Alice Liddell' WHERE id = $1`, [alice.id]);
  await insert(alice.id, 120, {}, "a paper boat on a pond");
  await insert(alice.id, 3, { status: "FAILED", stage: "DENOISING", error_code: "NAN_DETECTED", metadata: JSON.stringify({ failures: [{ attempt: 1, worker: "gpu-7", code: "NAN_DETECTED" }] }) }, "a storm over the harbour");
  await insert(bob.id, 2, { tier: "PLUS", status: "RUNNING", stage: "DECODING", lease_owner: "gpu-9" }, "a paper crane flying");
  await insert(bob.id, 1, { tier: "PLUS", status: "SUCCEEDED", stage: "DONE", metadata: JSON.stringify({ stageMs: { DENOISING: 3000, DECODING: 1500 } }) }, "a lantern festival");
});
afterAll(async () => {
  await pool?.end();
  await app?.stop();
  await db?.drop();
});

const JOBS = `query($first: Int, $after: String, $f: StaffJobFilter) { staffJobs(first: $first, after: $after, filter: $f) {
  nodes { job { id status stage tier prompt createdAt } account { id } leaseOwner errorMessage }
  pageInfo { hasNextPage endCursor } } }`;
/** With every per-row extra a page can batch: owners, their keys, queue positions and ETAs. */
const HEAVY_JOBS = `query($first: Int, $after: String, $f: StaffJobFilter) { staffJobs(first: $first, after: $after, filter: $f) {
  nodes { job { id status stage tier prompt createdAt queuePosition etaSeconds } account { id name apiKeys { prefix lastUsedAt } } leaseOwner errorMessage }
  pageInfo { hasNextPage endCursor } } }`;

async function search(filter: Record<string, unknown>, first = 100, after: string | null = null) {
  return (await support.client.data(JOBS, { f: filter, first, after })).staffJobs as {
    nodes: { job: { id: string; status: string; prompt: string; createdAt: string; tier: string }; account: { id: string }; leaseOwner: string | null }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe("staffJobs", () => {
  it("filters by account, status, error code, tier, stage, worker, time and prompt words", async () => {
    expect((await search({ accountId: bob.id })).nodes.map((n) => n.account.id)).toEqual([bob.id, bob.id, bob.id]);
    expect((await search({ status: ["FAILED"] })).nodes).toHaveLength(3);
    expect((await search({ errorCode: "NAN_DETECTED", accountId: alice.id })).nodes).toHaveLength(3);
    expect((await search({ tier: "PLUS" })).nodes.every((n) => n.job.tier === "PLUS")).toBe(true);
    expect((await search({ stage: "DECODING" })).nodes.map((n) => n.leaseOwner)).toEqual(["gpu-9", "gpu-9"]);
    expect((await search({ workerId: "gpu-9" })).nodes).toHaveLength(2);
    expect((await search({ workerId: "gpu-7" })).nodes.map((n) => n.job.status)).toEqual(["FAILED", "FAILED", "FAILED"]);
    const words = await search({ promptText: "Paper" });
    expect(words.nodes.length).toBe(100); // 120 boats and 2 cranes match; the first page
    expect(words.nodes.every((n) => /paper/.test(n.job.prompt))).toBe(true);
    expect((await search({ promptText: "paper crane" })).nodes.map((n) => n.job.prompt).sort()).toEqual(["a paper crane flying 1", "a paper crane flying 2"]);
    const all = await search({ accountId: alice.id, status: ["QUEUED"] });
    const middle = all.nodes[50]!.job.createdAt;
    const before = await search({ accountId: alice.id, status: ["QUEUED"], createdBefore: middle });
    expect(before.nodes[0]!.job.id).toBe(all.nodes[51]!.job.id);
  });

  it("pages newest first with a cursor, without repeats or gaps", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let last = Infinity;
    for (;;) {
      const page = await search({ accountId: alice.id }, 37, after);
      for (const n of page.nodes) {
        const t = Date.parse(n.job.createdAt);
        expect(t).toBeLessThanOrEqual(last);
        last = t;
        seen.push(n.job.id);
      }
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(123);
    expect(new Set(seen).size).toBe(123);
  });

  it("costs the same number of statements for a page of 100 as for a page of 5 (DataLoader batching)", async () => {
    const schema = buildSchema();
    const statements: string[] = [];
    const counting: Sql = { query: (text: never, values?: unknown[]) => { statements.push(typeof text === "string" ? text : (text as { text: string }).text); return pool.query(text, values) as never; } };
    const staffAccount = (await app.kinema.accounts.authenticate(support.key))!;
    const run = async (first: number) => {
      statements.length = 0;
      const services = { sql: counting, config: app.config, keyUsage: app.kinema.keyUsage!, staff: { search: new StaffSearch(counting) } };
      const contextValue = { account: staffAccount, apiKeyId: null, services, loaders: createLoaders(services) } as unknown as GraphQLContext;
      const result = await execute({ schema, document: parse(HEAVY_JOBS), variableValues: { first, f: { accountId: alice.id } }, contextValue });
      expect(result.errors).toBeUndefined();
      expect((result.data!.staffJobs as { nodes: unknown[] }).nodes).toHaveLength(first);
      return [...statements];
    };
    const five = await run(5);
    const hundred = await run(100);
    expect(five.length).toBeGreaterThanOrEqual(3); // the page, its owners, their keys (and queue figures)
    expect(hundred.length).toBe(five.length);
  });

  it("finds prompt words through the prompts' full-text index (job_prompts_fts_idx, 0025), with the statement the API sends", async () => {
    // The search statement and its parameters as the resolver sends them, captured in process.
    const sent: { text: string; values: unknown[] }[] = [];
    const capturing: Sql = { query: (text: never, values?: unknown[]) => {
      const sql = typeof text === "string" ? text : (text as { text: string }).text;
      if (sql.startsWith("/* staffSearchJobs */")) sent.push({ text: sql, values: values ?? [] });
      return pool.query(text, values) as never;
    } };
    const staffAccount = (await app.kinema.accounts.authenticate(support.key))!;
    const services = { sql: capturing, config: app.config, keyUsage: app.kinema.keyUsage!, staff: { search: new StaffSearch(capturing) } };
    const contextValue = { account: staffAccount, apiKeyId: null, services, loaders: createLoaders(services) } as unknown as GraphQLContext;
    const result = await execute({ schema: buildSchema(), document: parse(JOBS), variableValues: { first: 100, f: { promptText: "harbour storm" } }, contextValue });
    expect(result.errors).toBeUndefined();
    expect((result.data!.staffJobs as { nodes: unknown[] }).nodes).toHaveLength(3);
    expect(sent).toHaveLength(1);
    // Planned with its parameters, after ANALYZE, among 5,000 other jobs (added and taken back in one
    // transaction, the GIN pending list merged as autovacuum would: at ~130 rows a scan is cheapest): the
    // GIN index, not a walk of every job or prompt.
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
        SELECT $1, 'FREE', 'SUCCEEDED', 'DONE', 'a quiet meadow ' || g, 'R480P', 854, 480, 1, 24, g, 8, 3 FROM generate_series(1, 5000) g`, [alice.id]);
      await client.query(`SELECT gin_clean_pending_list('job_prompts_fts_idx'); ANALYZE jobs; ANALYZE job_prompts`);
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sent[0]!.text}`, sent[0]!.values);
      const plan = JSON.stringify(rows[0]["QUERY PLAN"]);
      expect(plan).toContain('"Index Name":"job_prompts_fts_idx"');
      expect(plan).not.toContain('"Node Type":"Seq Scan"');
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("refuses bad input with BAD_USER_INPUT and holds staff to the query cost limit", async () => {
    for (const [variables, field] of [[{ first: 101 }, "first"], [{ after: "bm9wZQ" }, "after"], [{ f: { accountId: "x" } }, "filter.accountId"]] as const) {
      const res = await support.client.request(JOBS, variables as Record<string, unknown>);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    // A page of 100 with every owner's keys, positions and ETAs is priced like anyone's query: refused.
    expect((await support.client.request(HEAVY_JOBS, { first: 100 })).errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect((await support.client.request(HEAVY_JOBS, { first: 5 })).errors).toBeUndefined();
  });
});

describe("staff account reads", () => {
  it("finds an account by id, by name and by key prefix", async () => {
    const byId = (await support.client.data(`query($id: ID!) { staffAccount(id: $id) { id name tier role suspendedAt apiKeys { prefix active } } }`, { id: alice.id })).staffAccount;
    expect(byId).toMatchObject({ id: alice.id, name: "Alice Liddell", tier: "FREE", role: "USER", suspendedAt: null });
    const SEARCH = `query($s: String!) { staffAccounts(search: $s) { id } }`;
    expect((await support.client.data(SEARCH, { s: "liddell" })).staffAccounts).toEqual([{ id: alice.id }]);
    expect((await support.client.data(SEARCH, { s: alice.key.slice(0, 10) })).staffAccounts).toEqual([{ id: alice.id }]);
    expect((await support.client.data(SEARCH, { s: "%" + "_" })).staffAccounts).toEqual([]); // LIKE wildcards are literal
  });

  it("reports an account's jobs by status and GPU-seconds over a window", async () => {
    const USAGE = `query($id: ID!, $from: DateTime!, $to: DateTime!) { accountUsage(accountId: $id, from: $from, to: $to) { jobs gpuSeconds byStatus { status count } } }`;
    const window = { from: new Date(Date.now() - 2 * 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const bobs = (await support.client.data(USAGE, { id: bob.id, ...window })).accountUsage;
    expect(bobs).toEqual({ jobs: 3, gpuSeconds: 4.5, byStatus: [{ status: "RUNNING", count: 2 }, { status: "SUCCEEDED", count: 1 }] });
    const alices = (await support.client.data(USAGE, { id: alice.id, ...window })).accountUsage;
    expect(alices).toMatchObject({ jobs: 123, gpuSeconds: 0 });
    const empty = (await support.client.data(USAGE, { id: bob.id, from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z" })).accountUsage;
    expect(empty).toEqual({ jobs: 0, gpuSeconds: 0, byStatus: [] });
  });
});
