// Claims batched per process (src/queue/claims.ts, claim_jobs() of migration 0022) under real PostgreSQL:
// the workers of one process that want a job while a claim is in flight get distinct jobs from one call,
// each leased to its own worker id with its own token and attempt, announced in one publish statement
// (claimers of another first stage go in another call); a lone claim is sent at once, alone;
// the burst cap is exact when one call serves one account several times (with or without its counter
// row, and with several processes racing); the 2:1 lane order runs on across batches of any size; the
// avoid_worker, run_after, deadline and checkpoint rules hold inside a batch; and a worker claims again
// while its completion is in flight, yet stops only after that completion has committed.
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPool, type Sql } from "../src/db/pool.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { PgEventBus } from "../src/events/pg.js";
import { createLogger } from "../src/log.js";
import { LeaseLostError } from "../src/queue/errors.js";
import { JobQueue } from "../src/queue/queue.js";
import { claimJobs } from "../src/queue/sql/claimJob.js";
import type { ClaimedJob, Lease } from "../src/queue/types.js";
import type { Stage } from "../workers/pipeline.js";
import { Worker } from "../workers/worker.js";
import { sleep } from "./fixtures/stages.js";
import { waitFor } from "./helpers/app.js";
import { queueTestDatabase } from "./helpers/queue-db.js";
import { insertAccount, enqueueFifo } from "./helpers/ops.js";

let pool: pg.Pool;
const queueConfig = { leaseMs: 60_000, heartbeatMs: 30_000, pollMs: 60_000, sweepMs: 600_000, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20 };
const scratch = queueTestDatabase();
beforeAll(() => { pool = scratch.pool; });

const enqueue = (accountId: string, tier: "FREE" | "PLUS", n: number, start?: number) => enqueueFifo(pool, accountId, tier, n, start);

/** The pool, recording the worker ids of every claim call it carries, and the payloads of every publish. */
function recording(sql: pg.Pool): { sql: Sql; calls: string[][]; published: string[][] } {
  const calls: string[][] = [];
  const published: string[][] = [];
  return {
    calls, published,
    sql: {
      query: (text: string | pg.QueryConfig, values?: unknown[]) => {
        if (typeof text === "object" && text.name === "claimJobs") calls.push([...(text.values![0] as string[])]);
        if (typeof text === "object" && text.text.includes("publishEvents")) published.push([...(text.values![1] as string[])]);
        return sql.query(text, values);
      },
    } as Sql,
  };
}

const lease = (job: ClaimedJob): Lease => ({ jobId: job.id, fencingToken: job.fencingToken });

describe("one call for the claimers of one process", () => {
  it("sends a lone claim at once and alone, and the claimers that wait meanwhile together: distinct jobs, each its own lease", async () => {
    const account = await insertAccount(pool, "PLUS");
    await enqueue(account, "PLUS", 6);
    const { sql, calls } = recording(pool);
    const queue = new JobQueue(sql, new MemoryEventBus(), queueConfig);
    const first = queue.claim("w0", "DENOISING");
    // Sent before claim() returned: nothing waits for company when no claim is in flight.
    expect(calls).toEqual([["w0"]]);
    const rest = ["w1", "w2", "w3", "w4"].map((id) => queue.claim(id, "DENOISING"));
    const jobs = [await first, ...(await Promise.all(rest))] as ClaimedJob[];
    expect(calls).toEqual([["w0"], ["w1", "w2", "w3", "w4"]]);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(5);
    expect(new Set(jobs.map((j) => j.fencingToken)).size).toBe(5);
    const { rows } = await pool.query(`SELECT id, lease_owner, fencing_token::int AS token, attempts, stage, status FROM jobs WHERE status = 'RUNNING'`);
    expect(rows).toHaveLength(5);
    for (const [i, job] of jobs.entries()) {
      const row = rows.find((r) => r.id === job.id);
      expect(row).toMatchObject({ lease_owner: `w${i}`, token: job.fencingToken, attempts: 1, stage: "DENOISING" });
      expect(job).toMatchObject({ attempts: 1, stage: "DENOISING", accountId: account, tier: "PLUS" });
    }
    // The batch's tokens are drawn in its workers' order.
    const batchTokens = jobs.slice(1).map((j) => j.fencingToken);
    expect(batchTokens).toEqual([...batchTokens].sort((a, b) => a - b));
  });

  it("announces each claim in the claim's own statement (PostgreSQL's bus): heard after its commit, no publish statement", async () => {
    const account = await insertAccount(pool, "PLUS");
    await enqueue(account, "PLUS", 5);
    const { sql, calls, published } = recording(pool);
    const bus = await PgEventBus.connect(scratch.url, sql);
    const heard: unknown[] = [];
    bus.subscribe((event) => { if (event.kind === "job") heard.push(event); });
    try {
      const queue = new JobQueue(sql, bus, queueConfig);
      const jobs = (await Promise.all(["a", "b", "c", "d", "e"].map((id) => queue.claim(id, "DENOISING")))) as ClaimedJob[];
      expect(calls.map((c) => c.length)).toEqual([1, 4]);
      await waitFor(async () => heard.length === 5 || null, 5_000, "the five claim events");
      expect(heard).toEqual(jobs.map((j) => ({ kind: "job", jobId: j.id, status: "RUNNING", stage: "DENOISING", queueChanged: true, fencingToken: j.fencingToken })));
      expect(published).toEqual([]);
    } finally {
      await bus.close();
    }
  });

  it("puts claimers that ask for different first stages in separate calls, each job in its claimer's stage", async () => {
    const account = await insertAccount(pool, "PLUS");
    await enqueue(account, "PLUS", 4);
    const { sql, calls } = recording(pool);
    const queue = new JobQueue(sql, new MemoryEventBus(), queueConfig);
    const jobs = await Promise.all([queue.claim("a", "DENOISING"), queue.claim("b", "DECODING"), queue.claim("c", "DENOISING"), queue.claim("d", "DECODING")]);
    expect(calls).toEqual([["a"], ["b", "d"], ["c"]]);
    expect(jobs.map((j) => j!.stage)).toEqual(["DENOISING", "DECODING", "DENOISING", "DECODING"]);
  });

  it("answers null to the claimers the queue runs out for, and a job to the others", async () => {
    const account = await insertAccount(pool, "PLUS");
    await enqueue(account, "PLUS", 2);
    const claims = await claimJobs(pool, ["a", "b", "c", "d"], 60_000, "DENOISING");
    expect(claims.map((c) => c?.job.id !== undefined)).toEqual([true, true, false, false]);
  });

  it("fences each batched lease on its own token: another job's token, or a lease handed back and re-claimed, is refused", async () => {
    const account = await insertAccount(pool, "PLUS");
    await enqueue(account, "PLUS", 4);
    const queue = new JobQueue(pool, new MemoryEventBus(), queueConfig);
    const jobs = (await Promise.all(["a", "b", "c", "d"].map((id) => queue.claim(id, "DENOISING")))) as ClaimedJob[];
    const [a, b, c, d] = jobs;
    await expect(queue.complete({ jobId: a!.id, fencingToken: b!.fencingToken }, { key: "x" }, {})).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.heartbeat({ jobId: b!.id, fencingToken: a!.fencingToken })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await queue.heartbeat(lease(b!))).toEqual({ cancelRequested: false });
    // c is handed back and claimed again in a batch: a new lease, and c's old one is dead.
    await queue.release(lease(c!));
    const again = (await claimJobs(pool, ["e", "f"], 60_000, "DENOISING"))[0]!.job;
    expect(again.id).toBe(c!.id);
    expect(again.fencingToken).toBeGreaterThan(d!.fencingToken);
    await expect(queue.complete(lease(c!), { key: "x" }, {})).rejects.toBeInstanceOf(LeaseLostError);
    expect((await queue.complete(lease(again), { key: "x" }, {})).status).toBe("SUCCEEDED");
    expect((await queue.complete(lease(a!), { key: "x" }, {})).status).toBe("SUCCEEDED");
  });
});

describe("the burst cap inside a batch", () => {
  it("stops at the cap when one call would serve one account more often, and serves the next account instead", async () => {
    const [a, b, c] = [await insertAccount(pool, "FREE"), await insertAccount(pool, "FREE"), await insertAccount(pool, "FREE")];
    const aIds = await enqueue(a, "FREE", 10, Date.now() - 180_000); // all older than b's, b's than c's
    const bIds = await enqueue(b, "FREE", 10, Date.now() - 120_000);
    const cIds = await enqueue(c, "FREE", 10);
    const claims = await claimJobs(pool, Array.from({ length: 8 }, (_, i) => `w${i}`), 60_000, "DENOISING");
    expect(claims.map((claim) => claim!.job.id)).toEqual([...aIds.slice(0, 3), ...bIds.slice(0, 3), ...cIds.slice(0, 2)]);
    const { rows } = await pool.query(`SELECT account_id, running FROM scheduler_account_load WHERE account_id = ANY($1)`, [[a, b, c]]);
    expect(Object.fromEntries(rows.map((r) => [r.account_id, r.running]))).toEqual({ [a]: 3, [b]: 3, [c]: 2 });
  });

  it("stops at the cap for an account without a counter row (the first claim's trigger makes it)", async () => {
    const a = await insertAccount(pool, "FREE");
    await enqueue(a, "FREE", 6);
    await pool.query(`DELETE FROM scheduler_accounts WHERE account_id = $1`, [a]);
    const claims = await claimJobs(pool, ["w0", "w1", "w2", "w3", "w4"], 60_000, "DENOISING");
    expect(claims.filter(Boolean)).toHaveLength(3);
    expect((await pool.query(`SELECT running FROM scheduler_account_load WHERE account_id = $1`, [a])).rows[0].running).toBe(3);
  });

  it("holds with three processes of six workers each racing over two accounts", async () => {
    const a = await insertAccount(pool, "FREE");
    const b = await insertAccount(pool, "FREE");
    await enqueue(a, "FREE", 24);
    await enqueue(b, "FREE", 24);
    const pools = Array.from({ length: 3 }, () => createPool(scratch.url, 3));
    const maxRunning = new Map<string, number>();
    const batched: number[] = [];
    try {
      await Promise.all(pools.map(async (processPool, p) => {
        const { sql, calls } = recording(processPool);
        const queue = new JobQueue(sql, new MemoryEventBus(), queueConfig);
        await Promise.all(Array.from({ length: 6 }, async (_, n) => {
          for (let idle = 0; idle < 20;) {
            const job = await queue.claim(`p${p}-w${n}`);
            if (!job) { idle++; await sleep(10); continue; }
            idle = 0;
            // A fresh snapshot right after the claim committed: what is running for this account now.
            const { rows } = await processPool.query(`SELECT count(*)::int AS n FROM jobs WHERE account_id = $1 AND status = 'RUNNING'`, [job.accountId]);
            maxRunning.set(job.accountId, Math.max(maxRunning.get(job.accountId) ?? 0, rows[0].n));
            await sleep(5 + Math.random() * 20);
            await queue.complete(lease(job), { key: "x" }, {});
          }
        }));
        batched.push(Math.max(...calls.map((c) => c.length)));
      }));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    const { rows } = await pool.query(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`);
    expect(rows).toEqual([{ status: "SUCCEEDED", n: 48 }]);
    expect(maxRunning.get(a)).toBeLessThanOrEqual(3);
    expect(maxRunning.get(b)).toBeLessThanOrEqual(3);
    expect(Math.max(...batched)).toBeGreaterThan(1); // the race did go through batches
  });
});

describe("fair share across batches", () => {
  it("keeps PLUS:FREE 2:1 in claim order, FIFO within each lane, whatever the batches' sizes", async () => {
    await pool.query(`UPDATE scheduler_config SET free_burst_cap = 1000, plus_burst_cap = 1000 WHERE id = 1`);
    const plus = await insertAccount(pool, "PLUS");
    const free = await insertAccount(pool, "FREE");
    const freeIds = await enqueue(free, "FREE", 30, Date.now() - 120_000); // older: FIFO would serve them first
    const plusIds = await enqueue(plus, "PLUS", 30);
    const { sql, calls } = recording(pool);
    const queue = new JobQueue(sql, new MemoryEventBus(), queueConfig);
    const claims: ClaimedJob[] = [];
    // Each round: the first claim goes alone, the rest wait and go in one call.
    for (const size of [4, 7, 1, 3, 9, 6]) {
      claims.push(...((await Promise.all(Array.from({ length: size }, (_, i) => queue.claim(`w${i}`)))) as ClaimedJob[]));
    }
    expect(calls.map((c) => c.length)).toEqual([1, 3, 1, 6, 1, 1, 2, 1, 8, 1, 5]);
    claims.sort((x, y) => x.fencingToken - y.fencingToken); // the order they were claimed in
    expect(claims).toHaveLength(30);
    for (let i = 0; i + 3 <= 30; i += 3) expect(claims.slice(i, i + 3).filter((c) => c.tier === "PLUS")).toHaveLength(2);
    expect(claims.filter((c) => c.tier === "PLUS").map((c) => c.id)).toEqual(plusIds.slice(0, 20));
    expect(claims.filter((c) => c.tier === "FREE").map((c) => c.id)).toEqual(freeIds.slice(0, 10));
  });
});

describe("the claim's rules inside a batch", () => {
  it("passes over the worker a job avoids and serves the next worker; keeps run_after, the deadline and the checkpoint's step", async () => {
    const account = await insertAccount(pool, "PLUS");
    const [resumed, avoided, later, expired] = await enqueue(account, "PLUS", 4);
    await pool.query(`UPDATE jobs SET avoid_worker = 'a', run_after = now() - interval '1 second' WHERE id = $1`, [avoided]);
    await pool.query(`UPDATE jobs SET run_after = now() + interval '1 hour' WHERE id = $1`, [later]);
    await pool.query(`UPDATE jobs SET deadline_at = now() - interval '1 second' WHERE id = $1`, [expired]);
    await pool.query(`UPDATE jobs SET checkpoint = '{"key": "k", "step": 7, "fencingToken": 1}' WHERE id = $1`, [resumed]);
    // "x" takes the oldest; the only job left avoids "a": "a" gets nothing, and "b" is still tried.
    const claims = await claimJobs(pool, ["x", "a", "b", "c"], 60_000, "DENOISING");
    expect(claims[0]!.job).toMatchObject({ id: resumed, stepsCompleted: 7 });
    expect(claims[1]).toBeNull();
    expect(claims[2]!.job.id).toBe(avoided);
    expect(claims[3]).toBeNull();
    const { rows } = await pool.query(`SELECT id, status FROM jobs WHERE id IN ($1, $2)`, [later, expired]);
    expect(rows.map((r) => r.status)).toEqual(["QUEUED", "QUEUED"]);
  });
});

describe("a worker's completion in flight", () => {
  it("does not hold up the worker's next claim, and the worker stops only after it has committed", async () => {
    const account = await insertAccount(pool, "PLUS");
    const [first, second] = await enqueue(account, "PLUS", 2);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    class HeldCompletions extends JobQueue {
      override async complete(...args: Parameters<JobQueue["complete"]>): ReturnType<JobQueue["complete"]> {
        await gate;
        return super.complete(...args);
      }
    }
    const seen: string[] = [];
    const stage: Stage = {
      stage: "DENOISING",
      run: async (ctx) => {
        const { rows } = await pool.query(`SELECT status FROM jobs WHERE id = $1`, [first]);
        seen.push(`ran ${ctx.job.id === first ? "first" : "second"} (first ${rows[0].status})`);
      },
    };
    const bus = new MemoryEventBus();
    const worker = new Worker({
      id: "w-overlap", sql: pool, queue: new HeldCompletions(pool, bus, queueConfig), bus, stages: [stage], config: queueConfig,
      log: createLogger("claim-batch-test"), onJobDone: (id, outcome) => seen.push(`done ${id === first ? "first" : "second"} ${outcome}`),
    });
    worker.start();
    await waitFor(async () => seen.length === 2 || null, 10_000, "both jobs to run");
    // The second job ran while the first one's completion was still held: it had not committed.
    expect(seen).toEqual(["ran first (first RUNNING)", "ran second (first RUNNING)"]);
    const stopped = worker.stop().then(() => seen.push("stopped"));
    await sleep(100);
    expect(seen).not.toContain("stopped");
    open();
    await stopped;
    expect(seen.slice(2)).toEqual(["done first succeeded", "done second succeeded", "stopped"]);
    const { rows } = await pool.query(`SELECT id, status FROM jobs WHERE id IN ($1, $2)`, [first, second]);
    expect(rows.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
  });
});
