// Completion batches of different processes must never deadlock on the accounts' counter rows.
// A batch ends several RUNNING jobs of several accounts; each job leaving RUNNING updates its account's
// row in scheduler_account_exits (0028; 0024's trigger wrote scheduler_accounts). Taken in the order the UPDATE visits the jobs, two batches
// that share accounts could each hold one row and wait for the other (40P01, seen in bench:fleet with
// more than one worker host): completeJobs locks the batch's counter rows in account order first.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { completeJobs, type Completion } from "../src/queue/sql/finishJob.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 12);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function accounts(n: number): Promise<string[]> {
  const { rows } = await pool.query(
    `INSERT INTO accounts (name, tier) SELECT 'lock-' || g, 'PLUS' FROM generate_series(1, $1) g RETURNING id`, [n]);
  return rows.map((r) => r.id as string).sort();
}

/** One RUNNING job per account given, in that order, each with its lease (the insert trigger counts it). */
async function running(accountIds: string[]): Promise<Completion[]> {
  const out: Completion[] = [];
  for (const account of accountIds) {
    const { rows } = await pool.query(
      `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, lease_owner, lease_expires_at)
       VALUES ($1, 'PLUS', 'RUNNING', 'DENOISING', 'a cube', 'R480P', 854, 480, 1, 24, 1, 30, 2, 'w', now() + interval '1 hour')
       RETURNING id, fencing_token`, [account]);
    out.push({ lease: { jobId: rows[0].id, fencingToken: Number(rows[0].fencing_token) }, video: { key: "k" }, metadata: {} });
  }
  return out;
}

/** Resolves once `n` backends of this database wait on a lock. */
async function lockWaiters(n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (rows[0].n >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${n} lock waiters after 5 s`);
}

async function counters(accountIds: string[]): Promise<number[]> {
  const { rows } = await pool.query(
    `SELECT running FROM scheduler_account_load WHERE account_id = ANY($1::uuid[]) ORDER BY account_id`, [accountIds]);
  return rows.map((r) => r.running as number);
}

describe("completion batches and the counter rows", () => {
  it("two batches that meet the accounts in opposite orders both commit", async () => {
    const [a, b, c] = await accounts(3) as [string, string, string];
    const first = await running([b, a, c]);
    const second = await running([c, b]);
    // A third transaction holds A's counter row, so the first batch stops part-way through its accounts;
    // the second then starts. Taking rows in visit order, the first would hold B and wait for A, the second
    // hold C and wait for B, and once A is free the first would wait for C: a cycle.
    const holder = await pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM scheduler_account_exits WHERE account_id = $1 FOR UPDATE`, [a]);
      const one = completeJobs(pool, first, null);
      await lockWaiters(1);
      const two = completeJobs(pool, second, null);
      await Promise.race([lockWaiters(2), two]); // in account order the second need not wait at all
      await holder.query("COMMIT");
      const [r1, r2] = await Promise.all([one, two]);
      expect(r1.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
      expect(r2.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    } finally {
      holder.release();
    }
    expect(await counters([a, b, c])).toEqual([0, 0, 0]);
  });

  it("many concurrent batches over shared accounts: none deadlocks, every job completes, the counters hold", async () => {
    const ids = await accounts(6);
    const batches: Completion[][] = [];
    for (let i = 0; i < 60; i++) {
      // each batch visits a rotation of the accounts, so batches disagree on the order
      const order = ids.map((_, k) => ids[(k * (i % 5 + 1) + i) % ids.length]!);
      batches.push(await running([...new Set(order)]));
    }
    const errors: unknown[] = [];
    let completed = 0;
    const lanes = Array.from({ length: 8 }, async (_, lane) => {
      for (let i = lane; i < batches.length; i += 8) {
        try {
          const done = await completeJobs(pool, batches[i]!, null); // awaited first: `n += await` would race
          completed += done.length;
        } catch (error) {
          errors.push(error);
        }
      }
    });
    await Promise.all(lanes);
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual([]);
    expect(completed).toBe(batches.reduce((n, b) => n + b.length, 0));
    expect(await counters(ids)).toEqual(ids.map(() => 0));
  });
});
