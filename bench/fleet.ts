// Fleet simulator (issue 18): how many concurrently running jobs one PostgreSQL on this machine sustains.
//
// Simulated workers (bench/lib/fleet-slots.ts: the real claim, heartbeat, progress, checkpoint and
// completion statements through the real JobQueue; the model replaced by a timed sleep of BENCH_STEP_MS)
// plus subscribers through the real API (bench/lib/fleet-watchers.ts: graphql-ws, one socket per watched
// job, each with its owner's key; the API is a child process, bench/lib/progress-server.ts, with the
// PostgreSQL event bus as in production). A lease sweeper runs as the elected one does.
//
// Levels of concurrency are tried in turn (BENCH_FLEET_LEVELS); at each, every slot runs jobs of
// BENCH_STEPS_PER_JOB steps back to back for BENCH_LEVEL_SECONDS. A level holds when, over its window:
// p99 step-to-subscriber latency < 250 ms, no lease lost, claim latency p99 < 50 ms, and every watched
// step was received. The figure is the largest level that held, with the database's transactions per
// second at that level. The design's fleet (~4,000 GPUs) runs ~200 clips in flight; the goal is 10x that.
//
// Step time: 1 s by default, a deliberately short one (a large DiT step on a GPU group is 1-3 s), since
// the database's load is proportional to steps per second, not to jobs. The last stdout line is JSON.
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { PgEventBus } from "../src/events/pg.js";
import { DEFAULT_PROGRESS_ROW_MS, JobQueue, type QueueConfig } from "../src/queue/queue.js";
import { createBenchDatabase, insertJobs } from "./lib/db.js";
import { emptyStats, runSlots } from "./lib/fleet-slots.js";
import { FleetWatchers } from "./lib/fleet-watchers.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { percentile, round, sleep, table, withTimeout } from "./lib/stats.js";

const QUICK = isQuick();
const LEVELS = (process.env.BENCH_FLEET_LEVELS ?? (QUICK ? "10,20" : "250,500,1000,1500,2000,2500,3000,4000"))
  .split(",").map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const STEP_MS = benchSize("BENCH_STEP_MS", { full: 1000, quick: 200 });
const STEPS_PER_JOB = benchSize("BENCH_STEPS_PER_JOB", { full: 30, quick: 12 });
const LEVEL_SECONDS = benchSize("BENCH_LEVEL_SECONDS", { full: 40, quick: 4 });
const WATCHED = benchSize("BENCH_WATCHED_JOBS", { full: 400, quick: 10 }); // subscribers per level (a sample of the jobs)
const POOL_SIZE = benchSize("BENCH_FLEET_POOL", { full: 32, quick: 8 }); // server connections the fleet shares
const GOAL = { concurrentJobs: 2000, stepP99Ms: 250, claimP99Ms: 50 };
const DESIGN_CLIPS_IN_FLIGHT = 200;
const SERVER_SCRIPT = fileURLToPath(new URL("./lib/progress-server.ts", import.meta.url));

if (LEVELS.length === 0) throw new Error("BENCH_FLEET_LEVELS must list positive integers, e.g. 500,1000,2000");
// BENCH_SYNC_STEPS=1: every step a synchronous row write with its NOTIFY (the path before issue 18's
// pipelined steps), for an A/B run of the same code; BENCH_PROGRESS_ROW_MS: the pipelined row interval.
const SYNC_STEPS = process.env.BENCH_SYNC_STEPS === "1";
const queueConfig: QueueConfig = {
  leaseMs: 30_000, heartbeatMs: 10_000, pollMs: 250, sweepMs: 5_000, maxAttempts: 3, retryBaseMs: 1_000, retryMaxMs: 60_000,
  progressRowMs: benchSize("BENCH_PROGRESS_ROW_MS", { full: DEFAULT_PROGRESS_ROW_MS, quick: DEFAULT_PROGRESS_ROW_MS }),
};

function startApi(databaseUrl: string, accounts: number) {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_SCRIPT], {
    env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_ACCOUNTS: String(accounts) }, stdio: ["pipe", "pipe", "inherit"],
  });
  const replies = new Map<string, (m: Record<string, unknown>) => void>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    replies.get(String(message.type))?.(message);
  });
  const next = (type: string) => withTimeout(new Promise<Record<string, unknown>>((resolve) => replies.set(type, resolve)), 300_000, `api ${type}`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    ready: next("ready"),
    request(command: string) {
      const reply = next(command);
      child.stdin!.write(`${JSON.stringify({ type: command })}\n`);
      return reply;
    },
    async stop() {
      if (child.exitCode === null) {
        const stopped = next("stopped");
        child.stdin!.write(`${JSON.stringify({ type: "stop" })}\n`);
        await stopped.catch(() => child.kill());
      }
      await exited;
    },
  };
}

async function commits(admin: pg.Pool, database: string): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1`, [database]);
  return Number(rows[0]?.n ?? 0);
}

interface LevelResult {
  concurrent_jobs: number; held: boolean; why: string; peak_running: number; step_p50_ms: number; step_p99_ms: number;
  unreceived_steps: number; claim_p50_ms: number; claim_p99_ms: number; progress_p99_ms: number; leases_lost: number;
  steps_per_s: number; jobs_finished: number; db_tps: number; db_transactions_per_step: number; api_loop_delay_p99_ms: number;
}

async function runLevel(level: number, ctx: { pool: pg.Pool; admin: pg.Pool; dbName: string; queue: JobQueue; wsUrl: string; accounts: { id: string; key: string }[] }): Promise<LevelResult> {
  const { pool, queue } = ctx;
  // Enough queued jobs that no slot runs dry in the window: each slot runs a job every STEPS_PER_JOB steps.
  const perSlot = Math.ceil((LEVEL_SECONDS * 1000) / (STEPS_PER_JOB * STEP_MS)) + 2;
  const jobIds = await insertJobs(pool, ctx.accounts.map((a) => a.id), level * perSlot, STEPS_PER_JOB);
  await pool.query("ANALYZE jobs");
  const { rows } = await pool.query<{ id: string; account_id: string }>(
    `SELECT id, account_id FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY created_at, id`, [jobIds]);
  const keyOf = new Map(ctx.accounts.map((a) => [a.id, a.key]));
  // Watched: a sample spread over the jobs the window will run (first claimed and later ones).
  const span = Math.min(rows.length, level * 2);
  const count = Math.min(WATCHED, span);
  const watchedJobs = Array.from({ length: count }, (_, i) => rows[Math.floor((i * span) / count)]!)
    .map((r) => ({ id: r.id, key: keyOf.get(r.account_id)! }));
  const watchers = new FleetWatchers();
  await watchers.watch(ctx.wsUrl, watchedJobs);
  await apiRequest("memory"); // resets the API's loop-delay histogram

  const stats = emptyStats();
  // First claims spread at ~200/s (at least one step): the window opens two steps after the last.
  const staggerMs = Math.max(STEP_MS, (level / 200) * 1000);
  const warmupMs = staggerMs + STEP_MS * 2;
  const started = performance.now();
  const stopAt = started + warmupMs + LEVEL_SECONDS * 1000;
  const sweeper = setInterval(() => { void queue.sweep().catch(() => {}); }, queueConfig.sweepMs);
  let windowStart = 0;
  let commitsAtStart = 0;
  let stepsAtStart = 0;
  const window = sleep(warmupMs).then(async () => {
    commitsAtStart = await commits(ctx.admin, ctx.dbName);
    stepsAtStart = stats.stepsWritten;
    stats.claimMs.length = 0;
    stats.progressMs.length = 0;
    windowStart = performance.now();
    watchers.openWindow();
  });
  await runSlots(queue, { slots: level, stepMs: STEP_MS, stepsPerJob: STEPS_PER_JOB, heartbeatMs: queueConfig.heartbeatMs, pollMs: queueConfig.pollMs, staggerMs, stopAt, syncSteps: SYNC_STEPS }, stats,
    (jobId, step) => watchers.sent(jobId, step));
  await window;
  clearInterval(sweeper);
  const windowSeconds = (Math.min(performance.now(), stopAt) - windowStart) / 1000;
  const tps = (await commits(ctx.admin, ctx.dbName) - commitsAtStart) / ((performance.now() - windowStart) / 1000);
  const deadline = Date.now() + 5_000;
  while (watchers.unreceived() > 0 && Date.now() < deadline) await sleep(50);
  const api = await apiRequest("memory");
  await watchers.close();
  // What is left queued is not the next level's: cancel it (the counters follow the status trigger).
  await pool.query(`UPDATE jobs SET status = 'CANCELLED', finished_at = now(), updated_at = now() WHERE status = 'QUEUED'`);

  const stepP99 = watchers.samples.length ? percentile(watchers.samples, 99) : Infinity;
  const claimP99 = percentile(stats.claimMs, 99);
  const unreceived = watchers.unreceived();
  const why = [
    stepP99 >= GOAL.stepP99Ms ? `step p99 ${round(stepP99)} ms >= ${GOAL.stepP99Ms}` : "",
    claimP99 >= GOAL.claimP99Ms ? `claim p99 ${round(claimP99)} ms >= ${GOAL.claimP99Ms}` : "",
    stats.leasesLost > 0 ? `${stats.leasesLost} leases lost` : "",
    unreceived > 0 ? `${unreceived} steps never reached their subscriber` : "",
    stats.peakRunning < level ? `only ${stats.peakRunning} of ${level} slots held a job at once` : "",
  ].filter(Boolean).join("; ");
  return {
    concurrent_jobs: level, held: why === "", why, peak_running: stats.peakRunning,
    step_p50_ms: round(percentile(watchers.samples, 50)), step_p99_ms: round(stepP99), unreceived_steps: unreceived,
    claim_p50_ms: round(percentile(stats.claimMs, 50)), claim_p99_ms: round(claimP99), progress_p99_ms: round(percentile(stats.progressMs, 99)),
    leases_lost: stats.leasesLost, steps_per_s: round((stats.stepsWritten - stepsAtStart) / windowSeconds, 0), jobs_finished: stats.jobsFinished,
    db_tps: round(tps, 0), db_transactions_per_step: round(tps / Math.max(1, (stats.stepsWritten - stepsAtStart) / windowSeconds), 2), api_loop_delay_p99_ms: round(Number(api.loopDelayP99Ms)),
  };
}

let apiRequest: (command: string) => Promise<Record<string, unknown>> = () => Promise.reject(new Error("no API"));

async function main(): Promise<void> {
  const began = performance.now();
  const db = await createBenchDatabase({ kinema: true });
  const dbName = new URL(db.url).pathname.slice(1);
  // FREE accounts have a burst cap of 3 running jobs: enough accounts that the cap never holds a slot idle.
  const accounts = Math.ceil(Math.max(...LEVELS) / 2);
  const api = startApi(db.url, accounts);
  apiRequest = (command) => api.request(command);
  const pool = createPool(db.url, POOL_SIZE);
  const admin = new pg.Pool({ connectionString: db.url, max: 1 });
  let bus: PgEventBus | null = null;
  const results: LevelResult[] = [];
  try {
    const ready = await api.ready;
    bus = await PgEventBus.connect(db.url, pool);
    const ctx = { pool, admin, dbName, queue: new JobQueue(pool, bus, queueConfig), wsUrl: String(ready.url).replace(/^http/, "ws"), accounts: ready.accounts as { id: string; key: string }[] };
    for (const level of LEVELS) {
      const result = await runLevel(level, ctx);
      results.push(result);
      console.log(`${level} concurrent jobs: ${result.held ? "held" : `did not hold (${result.why})`}; step p99 ${result.step_p99_ms} ms, claim p99 ${result.claim_p99_ms} ms, ${result.steps_per_s} steps/s, ${result.db_tps} tps (${result.db_transactions_per_step} per step), load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
      // BENCH_FLEET_CONTINUE=1: every level is run (to see where each limit falls when another already failed)
      if (!result.held && process.env.BENCH_FLEET_CONTINUE !== "1") break;
    }
  } finally {
    await api.stop();
    await bus?.close();
    await pool.end();
    await admin.end();
    await db.drop();
  }
  console.log(table(["jobs", "held", "step p50/p99 ms", "claim p50/p99 ms", "progress p99 ms", "steps/s", "db tps", "API loop p99 ms"],
    results.map((r) => [r.concurrent_jobs, r.held ? "yes" : "no", `${r.step_p50_ms} / ${r.step_p99_ms}`, `${r.claim_p50_ms} / ${r.claim_p99_ms}`, r.progress_p99_ms, r.steps_per_s, r.db_tps, r.api_loop_delay_p99_ms])));
  const firstMiss = results.findIndex((r) => !r.held); // the figure: the last level of the run that held from the start
  const best = (firstMiss === -1 ? results : results.slice(0, firstMiss)).at(-1) ?? null;
  const max = best?.concurrent_jobs ?? 0;
  const capped = best !== null && best === results.at(-1) && best.concurrent_jobs === Math.max(...LEVELS);
  console.log(`${QUICK ? "quick run (sizes too small to judge the goal); " : ""}largest level held: ${max} concurrent jobs${capped ? " (the highest level tried: the limit is above it)" : ""}; `
    + `goal >= ${GOAL.concurrentJobs}: ${max >= GOAL.concurrentJobs ? "met" : "MISSED"}; ${round(max / DESIGN_CLIPS_IN_FLIGHT, 1)}x the design's ${DESIGN_CLIPS_IN_FLIGHT} clips in flight; total ${round((performance.now() - began) / 1000, 1)} s`);
  console.log(JSON.stringify({
    bench: "fleet", quick: QUICK, sync_steps: SYNC_STEPS, progress_row_ms: queueConfig.progressRowMs, step_ms: STEP_MS, steps_per_job: STEPS_PER_JOB, level_seconds: LEVEL_SECONDS, watched_jobs_per_level: WATCHED, pool_size: POOL_SIZE,
    max_concurrent_jobs: max, limit_above_highest_level: capped, db_tps_at_max: best?.db_tps ?? null, steps_per_s_at_max: best?.steps_per_s ?? null,
    goal_concurrent_jobs: GOAL.concurrentJobs, goal_met: max >= GOAL.concurrentJobs, design_clips_in_flight: DESIGN_CLIPS_IN_FLIGHT,
    headroom_over_design: round(max / DESIGN_CLIPS_IN_FLIGHT, 1), levels: results, total_seconds: round((performance.now() - began) / 1000, 1),
  }));
}

main().then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);
