// A job's status changes write no index entry that buys nothing (0025), nor does a lease's move (0027): the prompt's full-text document
// lives in job_prompts, written when the prompt is inserted or redacted, and the idempotency key's unique
// index holds only the jobs that have a key. Both still do their jobs: staff search finds prompt words
// (test/staff-search.test.ts), a key is unique per account.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Sql } from "../src/db/pool.js";
import { heartbeat } from "../src/queue/sql/heartbeat.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
let pool: pg.Pool;
let account: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  const { rows } = await pool.query(`INSERT INTO accounts (name, tier) VALUES ('indexes', 'PLUS') RETURNING id`);
  account = rows[0].id;
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function insertJobs(count: number, prompt: string, key: string | null = null): Promise<string[]> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, idempotency_key)
     SELECT $1, 'PLUS', 'QUEUED', 'QUEUED', $3 || ' ' || g, 'R480P', 854, 480, 1, 24, g, 30, 3, $4 FROM generate_series(1, $2) g
     RETURNING id`, [account, count, prompt, key]);
  return rows.map((r) => r.id as string);
}

const documentOf = async (id: string) =>
  (await pool.query(`SELECT document::text AS document, xmin::text AS xmin FROM job_prompts WHERE job_id = $1`, [id])).rows[0] as
    { document: string; xmin: string } | undefined;
const indexBytes = async (name: string) => Number((await pool.query(`SELECT pg_relation_size($1::regclass) AS n`, [name])).rows[0].n);

/** Every job through a claim-like and a completion-like status change, as the queue's statements make them. */
async function runAndFinish(ids: string[]): Promise<void> {
  await pool.query(`UPDATE jobs SET status = 'RUNNING', stage = 'DENOISING', lease_owner = 'w', lease_expires_at = now() + interval '1 minute',
    fencing_token = nextval('job_fencing_seq'), attempts = attempts + 1 WHERE id = ANY($1)`, [ids]);
  await pool.query(`UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL
    WHERE id = ANY($1)`, [ids]);
}

describe("the prompt's full-text document (job_prompts)", () => {
  it("is written with the job, untouched by its status changes, and follows a redaction", async () => {
    const [id] = await insertJobs(1, "a lantern over the harbour");
    const written = await documentOf(id!);
    expect(written?.document).toBe("'1':6 'a':1 'harbour':5 'lantern':2 'over':3 'the':4");

    const many = await insertJobs(400, "a paper crane flying over a long winding river at dusk");
    const ginAfterInsert = await indexBytes("job_prompts_fts_idx");
    await runAndFinish([id!, ...many]);
    // The same row version (no update), and not one byte more in the GIN index for 802 status changes.
    expect((await documentOf(id!))?.xmin).toBe(written!.xmin);
    expect(await indexBytes("job_prompts_fts_idx")).toBe(ginAfterInsert);

    // A deletion redacts the prompt (src/removal/sql.ts): the old words are no longer findable.
    await pool.query(`UPDATE jobs SET prompt = '[deleted]' WHERE id = $1`, [id]);
    const found = (words: string) => pool.query(`SELECT job_id FROM job_prompts WHERE job_id = $1 AND document @@ plainto_tsquery('simple', $2)`, [id, words]);
    expect((await found("lantern harbour")).rows).toHaveLength(0);
    expect((await found("deleted")).rows).toHaveLength(1);

    // Kept exactly as long as the job.
    await pool.query(`DELETE FROM jobs WHERE id = $1`, [id]);
    expect(await documentOf(id!)).toBeUndefined();
  });
});

describe("the idempotency key's unique index", () => {
  it("holds only keyed jobs, so a key-less job's status changes skip it; no index on jobs reads the prompt", async () => {
    // PostgreSQL's bottom-up deletion keeps a full index from growing under such updates, so its size
    // cannot show the entries it took: the definitions are what is asserted.
    const { rows } = await pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'jobs'`);
    const defs = new Map(rows.map((r) => [r.indexname as string, r.indexdef as string]));
    expect(defs.get("jobs_account_id_idempotency_key_key")).toMatch(/^CREATE UNIQUE INDEX .* \(account_id, idempotency_key\) WHERE \(idempotency_key IS NOT NULL\)$/);
    expect([...defs.values()].filter((d) => /prompt/.test(d))).toEqual([]);
    // and the look-up by key (JobService.findByIdempotencyKey) still reads it
    const client = await pool.connect();
    const plan = await client.query("SET enable_seqscan = off")
      .then(() => client.query(`EXPLAIN (FORMAT JSON) SELECT id FROM jobs WHERE account_id = $1 AND idempotency_key = 'k' LIMIT 1`, [account]))
      .finally(() => client.query("RESET enable_seqscan").finally(() => client.release()));
    expect(JSON.stringify(plan.rows[0]["QUERY PLAN"])).toContain('"Index Name":"jobs_account_id_idempotency_key_key"');
  });

  it("still refuses a second job with the same key in one account, and allows any number without a key", async () => {
    await insertJobs(1, "keyed", "key-1");
    await expect(insertJobs(1, "keyed again", "key-1")).rejects.toMatchObject({ code: "23505", constraint: "jobs_account_id_idempotency_key_key" });
    await expect(insertJobs(3, "unkeyed")).resolves.toHaveLength(3);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE account_id = $1 AND idempotency_key = 'key-1'`, [account]);
    expect(rows[0].n).toBe(1);
  });
});

describe("a lease's move (0027)", () => {
  it("is a HOT update: a heartbeat of a running job writes no index entry", async () => {
    const [id] = await insertJobs(1, "a kite above the dunes");
    await pool.query(`UPDATE jobs SET status = 'RUNNING', stage = 'DENOISING', lease_owner = 'w', lease_expires_at = now() + interval '1 minute',
      fencing_token = nextval('job_fencing_seq'), attempts = attempts + 1 WHERE id = $1`, [id]);
    const { rows } = await pool.query(`SELECT fencing_token::int AS token FROM jobs WHERE id = $1`, [id]);
    const client = await pool.connect();
    try {
      // Ten beats: this backend's own (not yet reported) counters say how each update was written.
      const counts = async () => (await client.query(`SELECT pg_stat_get_xact_tuples_updated('jobs'::regclass)::int AS updated,
        pg_stat_get_xact_tuples_hot_updated('jobs'::regclass)::int AS hot`)).rows[0] as { updated: number; hot: number };
      await client.query("BEGIN");
      const before = await counts();
      for (let i = 0; i < 10; i++) await heartbeat(client as unknown as Sql, { jobId: id!, fencingToken: rows[0].token }, 60_000 + i);
      const after = await counts();
      expect({ updated: after.updated - before.updated, hot: after.hot - before.hot }).toEqual({ updated: 10, hot: 10 });
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    // The running set is still found by index: the sweeper and the counters read it.
    const { rows: indexes } = await pool.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'jobs' AND indexdef LIKE '%lease_expires_at%'`);
    expect(indexes).toEqual([]);
  });
});
