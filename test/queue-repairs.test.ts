// The queue's derived state and its races (issue 22): the running-job counters the burst cap reads are
// reconciled (an over-count used to block an account for good) and a missing counter row no longer makes
// an account unclaimable; two lease sweepers cannot deadlock on shared accounts' counters; a wake-up that
// arrives while a claim is in flight is not lost.
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { createLogger } from "../src/log.js";
import { JobQueue } from "../src/queue/queue.js";
import type { ClaimedJob } from "../src/queue/types.js";
import { reconcileRunningCounters } from "../src/queue/sql/reconcileCounters.js";
import { Worker } from "../workers/worker.js";
import { waitFor } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount } from "./helpers/ops.js";

let db: TestDatabase;
let pool: pg.Pool;
const queueConfig = { leaseMs: 60_000, heartbeatMs: 30_000, pollMs: 60_000, sweepMs: 600_000, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20 };
let queue: JobQueue;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 6);
  queue = new JobQueue(pool, new MemoryEventBus(), queueConfig);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(async () => {
  await pool.query(`DELETE FROM jobs`);
});

async function insertJob(accountId: string, tier: "FREE" | "PLUS" = "PLUS"): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
     VALUES ($1, $2, 'QUEUED', 'QUEUED', 'repairs', 'R480P', 854, 480, 1, 24, 1, 20, 3) RETURNING id`, [accountId, tier]);
  return rows[0].id;
}

async function counter(accountId: string): Promise<number | null> {
  return (await pool.query(`SELECT running FROM scheduler_account_load WHERE account_id = $1`, [accountId])).rows[0]?.running ?? null;
}

describe("running-job counters", () => {
  it("an over-count blocks the account's jobs until the reconciler recounts it", async () => {
    const account = await insertAccount(pool, "PLUS");
    const id = await insertJob(account);
    await pool.query(`UPDATE scheduler_accounts SET entered = entered + 10 WHERE account_id = $1`, [account]); // the PLUS burst cap
    expect(await queue.claim("w")).toBeNull();
    const { fixed } = await reconcileRunningCounters(pool);
    expect(fixed).toEqual([{ accountId: account, running: 0 }]);
    const claimed = (await queue.claim("w"))!;
    expect(claimed.id).toBe(id);
    expect(await counter(account)).toBe(1); // the trigger counts on from the corrected value
    expect((await reconcileRunningCounters(pool)).fixed).toEqual([]);
  });

  it("an account without a counter row is still claimable, and the reconciler restores the row", async () => {
    const account = await insertAccount(pool, "FREE");
    const first = await insertJob(account, "FREE");
    const second = await insertJob(account, "FREE");
    await pool.query(`DELETE FROM scheduler_accounts WHERE account_id = $1`, [account]);
    expect((await queue.claim("w"))?.id).toBe(first);
    expect(await counter(account)).toBe(1); // the status trigger created it on the claim
    await pool.query(`DELETE FROM scheduler_accounts WHERE account_id = $1`, [account]);
    const { created, fixed } = await reconcileRunningCounters(pool);
    expect(created).toBeGreaterThanOrEqual(1);
    expect(fixed).toContainEqual({ accountId: account, running: 1 });
    expect((await queue.claim("w"))?.id).toBe(second);
    expect(await counter(account)).toBe(2);
  });
});

describe("two lease sweepers", () => {
  it("lock shared accounts' counters in one order: no deadlock where their update orders cross", async () => {
    const [a, x, b] = [await insertAccount(pool), await insertAccount(pool), await insertAccount(pool)];
    // Sweeper 1 takes the 100 oldest leases (accounts a, x x ..., b in that order), sweeper 2 the next 100
    // (b, x x ..., a): updated in that order, each would hold one of a/b and then wait for the other.
    const order = [a, ...Array(98).fill(x), b, b, ...Array(98).fill(x), a] as string[];
    for (const [i, account] of order.entries()) {
      await pool.query(
        `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts,
           lease_owner, lease_expires_at, attempts, fencing_token)
         VALUES ($1, 'PLUS', 'RUNNING', 'DENOISING', 'swept', 'R480P', 854, 480, 1, 24, 1, 20, 3, 'dead', now() - ($2 || ' seconds')::interval, 1, nextval('job_fencing_seq'))`,
        [account, 1000 - i]);
    }
    // Both sweepers line up behind a lock on x's exit counter (the row a sweep locks, 0028), so their statements interleave for certain.
    const holder = await pool.connect();
    try {
      await holder.query(`BEGIN`);
      await holder.query(`SELECT 1 FROM scheduler_account_exits WHERE account_id = $1 FOR UPDATE`, [x]);
      const waiting = async (n: number) => waitFor(async () => (await pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%sweepExpiredLeases%' AND datname = current_database()`)).rows[0].n >= n, 10_000, `${n} sweeper(s) waiting`);
      const first = queue.sweep();
      await waiting(1);
      const second = queue.sweep();
      await waiting(2);
      await holder.query(`COMMIT`);
      const results = await Promise.allSettled([first, second]);
      expect(results.map((r) => r.status === "rejected" ? String((r as PromiseRejectedResult).reason) : "ok")).toEqual(["ok", "ok"]);
      expect(results.map((r) => (r as PromiseFulfilledResult<number>).value).sort()).toEqual([100, 100]);
    } finally {
      holder.release();
    }
    for (const account of [a, x, b]) expect(await counter(account)).toBe(0);
  });
});

describe("a wake-up during a claim", () => {
  it("is kept: the worker claims again at once instead of sleeping a whole poll interval", async () => {
    const account = await insertAccount(pool);
    let inClaim!: () => void;
    const claimStarted = new Promise<void>((r) => (inClaim = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let claims = 0;
    // The first claim finds nothing, then is held while a job is queued and announced.
    class SlowFirstClaim extends JobQueue {
      override async claimUpTo(workerId: string, firstStage: Parameters<JobQueue["claimUpTo"]>[1], count: number): Promise<ClaimedJob[]> {
        const jobs = await super.claimUpTo(workerId, firstStage, count);
        if (++claims === 1) { inClaim(); await held; }
        return jobs;
      }
    }
    const bus = new MemoryEventBus();
    const worker = new Worker({
      id: "w-wake", sql: pool, queue: new SlowFirstClaim(pool, bus, queueConfig), bus, stages: [], config: queueConfig, log: createLogger("wake-test"),
    });
    worker.start();
    try {
      await claimStarted;
      const id = await insertJob(account);
      await bus.publish({ kind: "job", jobId: id, status: "QUEUED", stage: "QUEUED", queueChanged: true });
      release();
      // the poll interval is 60 s: only the kept wake-up can get the job claimed this soon
      await waitFor(async () => (await pool.query(`SELECT status FROM jobs WHERE id = $1`, [id])).rows[0].status !== "QUEUED", 5_000, "the job to be claimed");
    } finally {
      await worker.stop();
    }
  });
});
