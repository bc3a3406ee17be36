// Queue benchmark: Kinema's real Worker (claim -> progress -> complete, leased and fenced, woken by
// NOTIFY) against graphile-worker 0.16 on the same PostgreSQL, each measurement in a fresh database.
// Prints a table; the last stdout line is one JSON object. BENCH_JOBS scales the throughput runs;
// --quick (or BENCH_QUICK=1) runs every measurement once at small sizes (bench/lib/quick.ts).
import { EventEmitter } from "node:events";
import pg from "pg";
import { type WorkerEvents, Logger as GraphileLogger, run as runGraphile, runMigrations } from "graphile-worker";
import { DEFAULT_CLAIM_PREFETCH, DEFAULT_PREFETCH_BELOW_MS } from "../src/config/config.js";
import { createPool } from "../src/db/pool.js";
import { PgEventBus } from "../src/events/pg.js";
import { createLogger } from "../src/log.js";
import { JobQueue, type QueueConfig } from "../src/queue/queue.js";
import type { ClaimedJob } from "../src/queue/types.js";
import type { JobStage } from "../src/jobs/states.js";
import type { Stage } from "../workers/pipeline.js";
import { Worker } from "../workers/worker.js";
import type { JobOutcome } from "../workers/runner.js";
import { insertAccount, insertJob, insertJobs, withBenchDatabase } from "./lib/db.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { deferred, percentile, round, sleep, table, withTimeout } from "./lib/stats.js";

process.env.LOG_LEVEL ??= "silent"; // read by createLogger at call time, so this still applies
process.env.NO_LOG_SUCCESS ??= "1"; // graphile-worker formats a success line per job otherwise

const QUICK = isQuick();
const JOBS = benchSize("BENCH_JOBS", { full: 2000, quick: 100 });
const LATENCY_JOBS = benchSize("BENCH_LATENCY_JOBS", { full: 200, quick: 20 });
const REPEAT = benchSize("BENCH_REPEAT", { full: 3, quick: 1 });
const LATENCY_GAP_MS = 20;
const LATENCY_WORKERS = 4;
const POLL_MS = 50; // the smallest KINEMA_POLL_MS allows; graphile-worker gets the same pollInterval
const CONCURRENCY = [1, 4, 16] as const;
const RUN_TIMEOUT_MS = 120_000;

const queueConfig: QueueConfig = {
  leaseMs: 30_000, heartbeatMs: 10_000, pollMs: POLL_MS, sweepMs: 5_000, maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 200,
  // the run-ahead at its defaults, as a worker process has it: a no-op job runs ahead
  claimPrefetch: DEFAULT_CLAIM_PREFETCH, prefetchBelowMs: DEFAULT_PREFETCH_BELOW_MS,
};
const graphileLogger = new GraphileLogger(() => () => {});

/** graphile-worker's pool is ours (workers + 2, like Kinema's), so it is ended before the database is dropped. */
const graphilePool = (url: string, max: number) => new pg.Pool({ connectionString: url, max }).on("error", () => {});

/** Records when each job was claimed, so latency can be split into claim and first-write parts. */
class TimedQueue extends JobQueue {
  readonly claimedAt = new Map<string, number>();
  override async claimUpTo(workerId: string, firstStage: JobStage | null, count: number): Promise<ClaimedJob[]> {
    const jobs = await super.claimUpTo(workerId, firstStage, count);
    for (const job of jobs) this.claimedAt.set(job.id, performance.now());
    return jobs;
  }
}

/** `n` in-process Kinema workers on one pool (n + 2 connections) and a PgEventBus, as src/app.ts wires them. */
async function startKinemaWorkers(url: string, n: number, stage: Stage, onJobDone: (id: string, outcome: JobOutcome) => void) {
  const pool = createPool(url, n + 2);
  const bus = await PgEventBus.connect(url, pool);
  const queue = new TimedQueue(pool, bus, queueConfig);
  const log = createLogger("bench");
  const workers = Array.from({ length: n }, (_, i) => new Worker({
    id: `bench-${process.pid}-${i}`, sql: pool, queue, bus, stages: [stage], config: queueConfig, log, onJobDone,
  }));
  for (const w of workers) w.start();
  return {
    pool, bus, queue,
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await bus.close();
      await pool.end();
    },
  };
}

// Throughput is timed from the first job's start to the last job's completion, so process start-up
// (worker registration, graphile-worker's migration check) is outside the window for both queues.
async function kinemaThroughput(concurrency: number): Promise<number> {
  return withBenchDatabase(true, async (db) => {
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    // 64 accounts: enough that the FREE burst cap (3 running per account) never binds at 16 workers.
    const accounts = await Promise.all(Array.from({ length: 64 }, () => insertAccount(setup)));
    await insertJobs(setup, accounts, JOBS);
    await setup.query("ANALYZE jobs"); // steady-state plans: without stats the claim sorts the whole queue
    await setup.end();
    let first = 0;
    let done = 0;
    const all = deferred();
    const stage: Stage = { stage: "DENOISING", run: async () => { first ||= performance.now(); } };
    const kinema = await startKinemaWorkers(db.url, concurrency, stage, (id, outcome) => {
      if (outcome !== "succeeded") all.reject(new Error(`job ${id} ended ${outcome}`));
      if (++done === JOBS) all.resolve();
    });
    try {
      await withTimeout(all.promise, RUN_TIMEOUT_MS, `kinema c${concurrency}`);
      const elapsed = performance.now() - first;
      const { rows } = await kinema.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status = 'SUCCEEDED'`);
      if (rows[0]!.n !== JOBS) throw new Error(`kinema c${concurrency}: ${rows[0]!.n} of ${JOBS} jobs SUCCEEDED`);
      return JOBS / (elapsed / 1000);
    } finally {
      await kinema.stop();
    }
  });
}

async function graphileThroughput(concurrency: number): Promise<number> {
  return withBenchDatabase(false, async (db) => {
    await runMigrations({ connectionString: db.url, logger: graphileLogger });
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    await setup.query(`SELECT graphile_worker.add_job('noop') FROM generate_series(1, $1)`, [JOBS]);
    await setup.query("ANALYZE graphile_worker._private_jobs"); // the same steady-state stats as Kinema's
    await setup.end();
    let first = 0;
    let done = 0;
    const all = deferred();
    // job:complete fires after the job row is deleted, like onJobDone after Kinema's complete(); the
    // emitter is ours so the listener is attached before the first job can finish.
    const events = new EventEmitter() as WorkerEvents;
    events.on("job:complete", ({ job, error }) => {
      if (error) all.reject(new Error(`graphile job ${job.id} failed: ${String(error)}`));
      if (++done === JOBS) all.resolve();
    });
    const pool = graphilePool(db.url, concurrency + 2);
    const runner = await runGraphile({
      pgPool: pool, concurrency, pollInterval: POLL_MS, noHandleSignals: true, logger: graphileLogger, events,
      taskList: { noop: async () => { first ||= performance.now(); } },
    });
    try {
      await withTimeout(all.promise, RUN_TIMEOUT_MS, `graphile-worker c${concurrency}`);
      return JOBS / ((performance.now() - first) / 1000);
    } finally {
      await runner.stop();
      await pool.end();
    }
  });
}

interface Latency { p50: number; p99: number; claimP50?: number; claimP99?: number }

function summarize(enqueued: Map<string, number>, started: Map<string, number>): number[] {
  // A poll can claim a job in the instant between its commit and our clock read: that counts as 0 ms.
  return [...enqueued].map(([id, t0]) => Math.max(0, started.get(id)! - t0));
}

/** Idle workers; jobs inserted one at a time and announced on the bus as JobService does. */
async function kinemaLatency(): Promise<Latency> {
  return withBenchDatabase(true, async (db) => {
    const started = new Map<string, number>();
    const all = deferred();
    const stage: Stage = {
      stage: "DENOISING",
      run: async (ctx) => { started.set(ctx.job.id, performance.now()); if (started.size === LATENCY_JOBS) all.resolve(); },
    };
    const kinema = await startKinemaWorkers(db.url, LATENCY_WORKERS, stage, () => {});
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const enqueued = new Map<string, number>();
    try {
      const account = await insertAccount(client);
      await sleep(300); // let every worker register, sweep, find the queue empty and go idle
      for (let i = 0; i < LATENCY_JOBS; i++) {
        const id = await insertJob(client, account, i);
        enqueued.set(id, performance.now()); // the INSERT has committed (autocommit) when it returns
        await kinema.bus.publish({ kind: "job", jobId: id, status: "QUEUED", stage: "QUEUED", queueChanged: true });
        await sleep(LATENCY_GAP_MS);
      }
      await withTimeout(all.promise, RUN_TIMEOUT_MS, "kinema latency");
      const toStart = summarize(enqueued, started);
      const toClaim = summarize(enqueued, kinema.queue.claimedAt);
      return { p50: percentile(toStart, 50), p99: percentile(toStart, 99), claimP50: percentile(toClaim, 50), claimP99: percentile(toClaim, 99) };
    } finally {
      await client.end();
      await kinema.stop();
    }
  });
}

async function graphileLatency(): Promise<Latency> {
  return withBenchDatabase(false, async (db) => {
    await runMigrations({ connectionString: db.url, logger: graphileLogger });
    const started = new Map<string, number>();
    const all = deferred();
    const pool = graphilePool(db.url, LATENCY_WORKERS + 2);
    const runner = await runGraphile({
      pgPool: pool, concurrency: LATENCY_WORKERS, pollInterval: POLL_MS, noHandleSignals: true, logger: graphileLogger,
      taskList: {
        noop: async (payload) => {
          started.set(String((payload as { i: number }).i), performance.now());
          if (started.size === LATENCY_JOBS) all.resolve();
        },
      },
    });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const enqueued = new Map<string, number>();
    try {
      await sleep(300); // let the pool connect and LISTEN
      for (let i = 0; i < LATENCY_JOBS; i++) {
        // add_job commits and NOTIFYs jobs:insert in one autocommit statement
        await client.query(`SELECT graphile_worker.add_job('noop', json_build_object('i', $1::int))`, [i]);
        enqueued.set(String(i), performance.now());
        await sleep(LATENCY_GAP_MS);
      }
      await withTimeout(all.promise, RUN_TIMEOUT_MS, "graphile-worker latency");
      const samples = summarize(enqueued, started);
      return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
    } finally {
      await client.end();
      await runner.stop();
      await pool.end();
    }
  });
}

async function main(): Promise<void> {
  const began = performance.now();
  console.log(`queue benchmark${QUICK ? " (quick)" : ""}: ${JOBS} no-op jobs per throughput run, ${REPEAT} rounds, ${LATENCY_JOBS} latency samples, poll ${POLL_MS} ms`);
  const runs = { kinema: new Map<number, number[]>(), graphile: new Map<number, number[]>() };
  // Interleaved, so neither queue always runs on a colder (or hotter) process and database server; the
  // median of REPEAT rounds, because single runs on a small shared VM vary by up to 2x.
  for (let r = 1; r <= REPEAT; r++) {
    for (const c of CONCURRENCY) {
      const k = await kinemaThroughput(c);
      const g = await graphileThroughput(c);
      (runs.kinema.get(c) ?? runs.kinema.set(c, []).get(c)!).push(k);
      (runs.graphile.get(c) ?? runs.graphile.set(c, []).get(c)!).push(g);
      console.log(`  round ${r} c${c}: kinema ${k.toFixed(0)} jobs/s, graphile-worker ${g.toFixed(0)} jobs/s`);
    }
  }
  const kinema = Object.fromEntries(CONCURRENCY.map((c) => [c, percentile(runs.kinema.get(c)!, 50)]));
  const graphile = Object.fromEntries(CONCURRENCY.map((c) => [c, percentile(runs.graphile.get(c)!, 50)]));
  const kLat = await kinemaLatency();
  const gLat = await graphileLatency();

  console.log(`\nthroughput (jobs/s, claim + complete of no-op jobs, median of ${REPEAT})`);
  console.log(table(["workers", "kinema", "graphile-worker", "ratio"],
    CONCURRENCY.map((c) => [c, round(kinema[c]!, 0), round(graphile[c]!, 0), round(kinema[c]! / graphile[c]!, 2)])));
  console.log(`\nenqueue-to-start latency (ms, ${LATENCY_WORKERS} idle workers, one job every ${LATENCY_GAP_MS} ms)`);
  console.log(table(["queue", "p50", "p99"], [
    ["kinema (stage run() start)", round(kLat.p50), round(kLat.p99)],
    ["kinema (claim returned)", round(kLat.claimP50!), round(kLat.claimP99!)],
    ["graphile-worker (task start)", round(gLat.p50), round(gLat.p99)],
  ]));
  const seconds = (performance.now() - began) / 1000;
  console.log(`\ntotal ${seconds.toFixed(1)} s`);

  const result: Record<string, number | string | boolean> = { bench: "queue", quick: QUICK };
  for (const c of CONCURRENCY) {
    Object.assign(result, { [`kinema_jobs_per_s_c${c}`]: round(kinema[c]!, 1), [`graphile_jobs_per_s_c${c}`]: round(graphile[c]!, 1) });
  }
  for (const c of CONCURRENCY) result[`ratio_throughput_c${c}`] = round(kinema[c]! / graphile[c]!, 3);
  Object.assign(result, {
    kinema_enqueue_to_start_p50_ms: round(kLat.p50), kinema_enqueue_to_start_p99_ms: round(kLat.p99),
    kinema_enqueue_to_claim_p50_ms: round(kLat.claimP50!), kinema_enqueue_to_claim_p99_ms: round(kLat.claimP99!),
    graphile_enqueue_to_start_p50_ms: round(gLat.p50), graphile_enqueue_to_start_p99_ms: round(gLat.p99),
    jobs_per_run: JOBS, throughput_rounds: REPEAT, latency_samples: LATENCY_JOBS, total_seconds: round(seconds, 1),
  });
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0), // graphile-worker or pg may leave timers behind; the figures are printed
  (error) => { console.error(error); process.exit(1); },
);
