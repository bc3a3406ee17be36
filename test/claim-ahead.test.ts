// A worker's run-ahead (workers/local-queue.ts, src/queue/claims.ts) under real PostgreSQL: a claim for
// several jobs leases each to the one worker with its own token, serves every worker's first job before
// anyone's extras, and stops at the burst cap; a worker whose jobs are short holds a few ahead (fewer
// claim calls than jobs, each job run once, in the claim's order), one whose jobs are long never
// does; held jobs go back to the queue (not a failed attempt) when the running job outlasts the hold and
// when the worker stops; and a held job keeps its fencing (a stale token is refused).
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPool, type Sql } from "../src/db/pool.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { createLogger } from "../src/log.js";
import { LeaseLostError } from "../src/queue/errors.js";
import { JobQueue } from "../src/queue/queue.js";
import type { Stage } from "../workers/pipeline.js";
import { LocalQueue } from "../workers/local-queue.js";
import { Worker } from "../workers/worker.js";
import { sleep } from "./fixtures/stages.js";
import { waitFor } from "./helpers/app.js";
import { queueTestDatabase } from "./helpers/queue-db.js";
import { enqueueFifo, insertAccount } from "./helpers/ops.js";

let pool: pg.Pool;
const base = { leaseMs: 60_000, heartbeatMs: 30_000, pollMs: 60_000, sweepMs: 600_000, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20 };
const aheadConfig = { ...base, claimPrefetch: 8, prefetchBelowMs: 50 };
const log = createLogger("claim-ahead-test");
const scratch = queueTestDatabase();
beforeAll(() => { pool = scratch.pool; });

/** The pool, recording the worker ids of every claim call it carries, and the jobs claimed, in claim order. */
function recording(sql: pg.Pool): { sql: Sql; calls: string[][]; claimed: string[] } {
  const calls: string[][] = [];
  const claimed: string[] = [];
  return {
    calls, claimed,
    sql: {
      query: async (text: string | pg.QueryConfig, values?: unknown[]) => {
        if (typeof text !== "object" || text.name !== "claimJobs") return sql.query(text, values);
        calls.push([...(text.values![0] as string[])]);
        const result = await sql.query(text, values);
        claimed.push(...[...result.rows].sort((a, b) => a.slot - b.slot).map((r) => r.id as string));
        return result;
      },
    } as Sql,
  };
}

async function rows(ids: string[]) {
  const { rows: out } = await pool.query(
    `SELECT id, status, lease_owner, fencing_token::int AS token, attempts FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY created_at`, [ids]);
  return out as Array<{ id: string; status: string; lease_owner: string | null; token: number; attempts: number }>;
}

describe("claims for several jobs", () => {
  it("leases each to the one worker with its own token, every worker's first job before anyone's extras", async () => {
    const account = await insertAccount(pool);
    const ids = await enqueueFifo(pool, account, "PLUS", 5);
    const rec = recording(pool);
    const queue = new JobQueue(rec.sql, new MemoryEventBus(), base);
    // The first call goes alone; A's four and B's one wait for it and share the next.
    const lone = queue.claimUpTo("lone", null, 1);
    const [a, b] = await Promise.all([queue.claimUpTo("A", null, 4), queue.claimUpTo("B", null, 1)]);
    expect((await lone).map((j) => j.id)).toEqual([ids[0]]);
    expect(rec.calls).toEqual([["lone"], ["A", "B", "A", "A", "A"]]);
    // B's slot came second: it got the second-oldest job; A its first and the rest in claim order.
    expect(b.map((j) => j.id)).toEqual([ids[2]]);
    expect(a.map((j) => j.id)).toEqual([ids[1], ids[3], ids[4]]);
    const tokens = new Set([...a, ...b].map((j) => j.fencingToken));
    expect(tokens.size).toBe(4);
    for (const row of await rows(a.map((j) => j.id))) expect([row.status, row.lease_owner, row.attempts]).toEqual(["RUNNING", "A", 1]);
  });

  it("stops at the account's burst cap, however many were asked for", async () => {
    const free = await insertAccount(pool, "FREE");
    await enqueueFifo(pool, free, "FREE", 6);
    const queue = new JobQueue(pool, new MemoryEventBus(), base);
    const jobs = await queue.claimUpTo("greedy", null, 6);
    expect(jobs).toHaveLength(3); // free_burst_cap
    const { rows: running } = await pool.query(`SELECT running FROM scheduler_account_load WHERE account_id = $1`, [free]);
    expect(running[0].running).toBe(3);
  });

  it("keeps each held job fenced: its own token writes, a stale one is refused", async () => {
    const account = await insertAccount(pool);
    await enqueueFifo(pool, account, "PLUS", 2);
    const queue = new JobQueue(pool, new MemoryEventBus(), base);
    const [first, held] = await queue.claimUpTo("w", null, 2);
    await expect(queue.heartbeat({ jobId: held!.id, fencingToken: first!.fencingToken })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.heartbeat({ jobId: held!.id, fencingToken: held!.fencingToken })).resolves.toEqual({ cancelRequested: false });
  });
});

describe("LocalQueue", () => {
  const queue = new JobQueue(null as unknown as Sql, new MemoryEventBus(), base);
  it("holds nothing until runs are seen short, then about belowMs of work, prefetch at most", () => {
    const local = new LocalQueue(queue, log, 8, 50, 60_000);
    expect(local.holdMs).toBe(1_000);
    expect(new LocalQueue(queue, log, 8, 50, 2_000).holdMs).toBe(500); // a quarter of a short lease
    expect(local.wanted()).toBe(1);
    local.ran(20);
    expect(local.capacity()).toBe(2); // two 20 ms jobs fit in 50 ms
    for (let i = 0; i < 20; i++) local.ran(0.2);
    expect(local.capacity()).toBe(8);
    expect(local.wanted()).toBe(9);
    for (let i = 0; i < 20; i++) local.ran(400);
    expect(local.capacity()).toBe(0);
    expect(new LocalQueue(queue, log, 0, 50, 60_000).wanted()).toBe(1);
  });
});

describe("a worker's run-ahead", () => {
  function startWorker(id: string, sql: Sql, stage: Stage, config: typeof base & { claimPrefetch?: number; prefetchBelowMs?: number } = aheadConfig) {
    const bus = new MemoryEventBus();
    const worker = new Worker({ id, sql, queue: new JobQueue(sql, bus, config), bus, stages: [stage], config, log });
    worker.start();
    return worker;
  }

  it("runs short jobs from fewer claim calls than jobs, each once, in the order they were claimed", async () => {
    const plus = await insertAccount(pool, "PLUS");
    const free = await insertAccount(pool, "FREE");
    await enqueueFifo(pool, plus, "PLUS", 40);
    await enqueueFifo(pool, free, "FREE", 20);
    // Caps out of the way: held jobs and completions in flight count as running.
    await pool.query(`UPDATE scheduler_config SET free_burst_cap = 100, plus_burst_cap = 100 WHERE id = 1`);
    const rec = recording(pool);
    const ran: string[] = [];
    const worker = startWorker("short", rec.sql, { stage: "DENOISING", run: async (ctx) => { ran.push(ctx.job.id); } });
    await waitFor(async () => (await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE status = 'SUCCEEDED'`)).rows[0].n === 60, 20_000);
    await worker.stop();
    expect(new Set(ran).size).toBe(60);
    expect(ran).toHaveLength(60);
    expect(rec.calls.length).toBeLessThan(30);
    expect(Math.max(...rec.calls.map((c) => c.length))).toBeGreaterThan(1);
    // Fair share decides the claims (claim-batch.test.ts holds their 2:1 order); the run-ahead keeps it.
    expect(ran).toEqual(rec.claimed);
    const { rows: left } = await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE attempts <> 1 OR lease_owner IS NOT NULL`);
    expect(left[0].n).toBe(0);
  });

  it("never claims ahead for long jobs, nor sleeps a poll interval behind its own completion", async () => {
    const account = await insertAccount(pool);
    await enqueueFifo(pool, account, "PLUS", 4);
    const rec = recording(pool);
    // One account: each claim after the first overlaps the last job's completion, which holds the
    // account's counter row (the claim skips it). The poll interval is 60 s: a worker that slept on
    // that "nothing" would not finish these 4 jobs in the 20 s allowed.
    const worker = startWorker("long", rec.sql, { stage: "DENOISING", run: async () => { await sleep(80); } });
    await waitFor(async () => (await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE status = 'SUCCEEDED'`)).rows[0].n === 4, 20_000);
    await worker.stop();
    expect(rec.calls.every((c) => c.length === 1)).toBe(true);
  });

  it("hands held jobs back when the running job outlasts the hold, and another worker runs them", async () => {
    const account = await insertAccount(pool);
    const ids = await enqueueFifo(pool, account, "PLUS", 12);
    // Short jobs until the sixth, which runs long: what the worker holds then must not wait for it.
    const slow = ids[5]!;
    const runBy = new Map<string, string>();
    const stageFor = (who: string): Stage => ({
      stage: "DENOISING",
      run: async (ctx) => { runBy.set(ctx.job.id, who); if (ctx.job.id === slow) await sleep(3_000); },
    });
    const first = startWorker("first", pool, stageFor("first"), { ...aheadConfig, prefetchBelowMs: 20 });
    await waitFor(async () => runBy.has(slow), 10_000);
    const held = (await rows(ids)).filter((r) => r.status === "RUNNING" && !runBy.has(r.id));
    expect(held.length).toBeGreaterThan(0); // it was holding some when the long one started
    // The hold is 20 x 20 ms: well before the slow job ends, the held ones are QUEUED again, no attempt spent.
    await waitFor(async () => (await rows(held.map((r) => r.id))).every((r) => r.status === "QUEUED" && r.attempts === 0), 2_000);
    const second = startWorker("second", pool, stageFor("second"), base);
    await waitFor(async () => (await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE status = 'SUCCEEDED'`)).rows[0].n === 12, 20_000);
    await Promise.all([first.stop(), second.stop()]);
    for (const r of held) expect(runBy.get(r.id)).toBe("second");
    expect((await rows(held.map((r) => r.id))).every((r) => r.attempts === 1)).toBe(true);
  });

  it("hands held jobs back once its jobs stop being short, though none outlasts the hold", async () => {
    const account = await insertAccount(pool);
    const ids = await enqueueFifo(pool, account, "PLUS", 14);
    let released = 0;
    class CountingQueue extends JobQueue {
      override async release(lease: Parameters<JobQueue["release"]>[0]): Promise<void> {
        released++;
        return super.release(lease);
      }
    }
    const config = { ...aheadConfig, prefetchBelowMs: 20 }; // hold 400 ms; the long jobs take 60
    const bus = new MemoryEventBus();
    let runs = 0;
    const worker = new Worker({
      id: "turning", sql: pool, queue: new CountingQueue(pool, bus, config), bus, config, log,
      stages: [{ stage: "DENOISING", run: async () => { if (++runs > 4) await sleep(60); } }],
    });
    worker.start();
    await waitFor(async () => (await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE status = 'SUCCEEDED'`)).rows[0].n === 14, 20_000);
    await worker.stop();
    expect(released).toBeGreaterThan(0);
    expect((await rows(ids)).every((r) => r.status === "SUCCEEDED" && r.attempts === 1)).toBe(true);
  });

  it("hands held jobs back when it stops", async () => {
    const account = await insertAccount(pool);
    const ids = await enqueueFifo(pool, account, "PLUS", 30);
    let runs = 0;
    let stopping: Promise<void> | undefined;
    const worker = startWorker("stopper", pool, {
      stage: "DENOISING", run: async () => { if (++runs === 6) stopping = worker.stop(); },
    });
    await waitFor(async () => stopping !== undefined, 10_000);
    await stopping;
    const after = await rows(ids);
    expect(after.filter((r) => r.status === "RUNNING")).toEqual([]);
    const done = after.filter((r) => r.status === "SUCCEEDED");
    expect(done.length).toBeGreaterThanOrEqual(5); // the sixth, stopped mid-run, may have gone back too
    for (const r of after.filter((x) => x.status === "QUEUED")) expect([r.lease_owner, r.attempts]).toEqual([null, 0]);
  });
});
