// Fleet simulator (issue 18): how many concurrently running jobs one PostgreSQL on this machine sustains.
//
// Simulated workers (bench/lib/fleet-slots.ts: the real claim, heartbeat, progress, checkpoint and
// completion statements through the real JobQueue; the model replaced by a timed sleep of BENCH_STEP_MS)
// plus subscribers through the real API (bench/lib/fleet-watchers.ts: graphql-ws, one socket per watched
// job, each with its owner's key; the API is a child process, bench/lib/progress-server.ts, with the
// PostgreSQL event bus as in production). The slots are spread over BENCH_FLEET_PROCS worker-host
// processes (bench/lib/fleet-host.ts), each with its own JobQueue, pool and PgEventBus, as separate worker
// hosts are: one Node process and one pool for the whole fleet was the simulator's own limit (DEPLOY.md).
// The first host runs the lease sweeper, as the elected process does.
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
import "../src/db/pool.js"; // its type parsers (BIGINT as a number) for this process's pools
import { DEFAULT_STEP_EVENT_INTERVAL_MS, DEFAULT_STEP_GATHER_MS } from "../src/events/batcher.js";
import { DEFAULT_PROGRESS_ROW_MS, type QueueConfig } from "../src/queue/queue.js";
import { createBenchDatabase, insertJobs } from "./lib/db.js";
import { FleetHosts } from "./lib/fleet-hosts.js";
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
const POOL_SIZE = benchSize("BENCH_FLEET_POOL", { full: 24, quick: 8 }); // server connections the hosts' pools share
const PROCS = benchSize("BENCH_FLEET_PROCS", { full: 2, quick: 2 }); // worker-host processes the slots are spread over
const POOL_EACH = Math.max(2, Math.floor(POOL_SIZE / PROCS)); // each host also holds its bus's LISTEN connection
const CONNECTION_MARGIN = 5; // left to the other users of a shared server
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
  // BENCH_STEP_GATHER_MS (0 allowed): how long a host's step event waits for others to share its NOTIFY
  stepGatherMs: process.env.BENCH_STEP_GATHER_MS ? Number(process.env.BENCH_STEP_GATHER_MS) : DEFAULT_STEP_GATHER_MS,
  // BENCH_STEP_EVENT_INTERVAL_MS (0 allowed): a host publishes step events at most once per this many ms
  stepEventIntervalMs: process.env.BENCH_STEP_EVENT_INTERVAL_MS ? Number(process.env.BENCH_STEP_EVENT_INTERVAL_MS) : DEFAULT_STEP_EVENT_INTERVAL_MS,
};
if (!Number.isInteger(queueConfig.stepGatherMs) || queueConfig.stepGatherMs! < 0) throw new Error("BENCH_STEP_GATHER_MS must be an integer >= 0");
if (!Number.isInteger(queueConfig.stepEventIntervalMs) || queueConfig.stepEventIntervalMs! < 0) throw new Error("BENCH_STEP_EVENT_INTERVAL_MS must be an integer >= 0");

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

/** The database's transactions, and the jobs table's row updates and how many of them were HOT (no index entry). */
async function counters(admin: pg.Pool, database: string): Promise<{ commits: number; updates: number; hot: number }> {
  const { rows } = await admin.query<{ n: string; upd: string; hot: string }>(
    `SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1) AS n,
       (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'jobs') AS upd,
       (SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'jobs') AS hot`, [database]);
  return { commits: Number(rows[0]?.n ?? 0), updates: Number(rows[0]?.upd ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}

interface LevelResult {
  concurrent_jobs: number; held: boolean; why: string; peak_running: number; running_min: number; running_max: number;
  step_p50_ms: number; step_p99_ms: number; unreceived_steps: number; claim_p50_ms: number; claim_p99_ms: number; progress_p99_ms: number;
  leases_lost: number; job_errors: number; failed_statements: Record<string, number>; statements_per_s: Record<string, number>; steps_per_s: number; jobs_finished: number; db_tps: number; db_transactions_per_step: number;
  jobs_row_updates_per_s: number; jobs_hot_update_share: number;
  api_loop_delay_p99_ms: number; host_loop_delay_p99_ms: number; host_cpu_percent: number; connections_peak: number; load_average: number[];
}

interface Ctx { pool: pg.Pool; admin: pg.Pool; dbName: string; hosts: FleetHosts; wsUrl: string; accounts: { id: string; key: string }[] }

async function runLevel(level: number, ctx: Ctx): Promise<LevelResult> {
  const { pool } = ctx;
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

  // First claims spread at ~200/s (at least one step): the window opens two steps after the last.
  const staggerMs = Math.max(STEP_MS, (level / 200) * 1000);
  const warmupMs = staggerMs + STEP_MS * 2;
  const stopAtEpoch = Date.now() + warmupMs + LEVEL_SECONDS * 1000;
  let windowStart = 0;
  let atStart = { commits: 0, updates: 0, hot: 0 };
  let windowEnd = 0;
  let atEnd = { commits: 0, updates: 0, hot: 0 };
  const running: number[] = [];
  let connectionsPeak = 0;
  let sampler: NodeJS.Timeout | undefined;
  const window = sleep(warmupMs).then(async () => {
    atStart = await counters(ctx.admin, ctx.dbName);
    ctx.hosts.openWindow();
    watchers.openWindow();
    windowStart = performance.now();
    // Once a second: jobs RUNNING by the database's count, and the connections the server holds (all users).
    sampler = setInterval(() => {
      void ctx.admin.query<{ running: number; connections: number }>(
        `SELECT (SELECT count(*)::int FROM jobs WHERE status = 'RUNNING') AS running, (SELECT count(*)::int FROM pg_stat_activity) AS connections`,
      ).then(({ rows: [r] }) => {
        if (Date.now() >= stopAtEpoch) return; // the slots are finishing: not the level's steady state
        running.push(r!.running);
        connectionsPeak = Math.max(connectionsPeak, r!.connections);
      }, () => {});
    }, 1_000);
  });
  // The window closes at stopAt (the slots then finish what they hold: the drain is not measured).
  const closed = sleep(stopAtEpoch - Date.now()).then(async () => {
    windowEnd = performance.now();
    atEnd = await counters(ctx.admin, ctx.dbName);
  });
  const plan = { slots: level, stepMs: STEP_MS, stepsPerJob: STEPS_PER_JOB, heartbeatMs: queueConfig.heartbeatMs, pollMs: queueConfig.pollMs, staggerMs, stopAtEpoch, syncSteps: SYNC_STEPS };
  const hostStats = await ctx.hosts.run(level, plan, watchedJobs.map((j) => j.id), (jobId, step, at) => watchers.sent(jobId, step, at));
  await window;
  await closed;
  clearInterval(sampler);
  const windowSeconds = (windowEnd - windowStart) / 1000;
  const tps = (atEnd.commits - atStart.commits) / windowSeconds;
  const updates = atEnd.updates - atStart.updates;
  const load = loadavg().map((l) => round(l));
  const deadline = Date.now() + 5_000;
  while (watchers.unreceived() > 0 && Date.now() < deadline) await sleep(50);
  const api = await apiRequest("memory");
  await watchers.close();
  // What is left queued is not the next level's: cancel it (the counters follow the status trigger).
  await pool.query(`UPDATE jobs SET status = 'CANCELLED', finished_at = now(), updated_at = now() WHERE status = 'QUEUED'`);

  const claimMs = hostStats.flatMap((h) => h.claimMs);
  const sum = (f: (h: (typeof hostStats)[number]) => number) => hostStats.reduce((n, h) => n + f(h), 0);
  const leasesLost = sum((h) => h.leasesLost);
  const jobErrors = sum((h) => h.jobErrors);
  const tally = (pick: (h: (typeof hostStats)[number]) => Record<string, number>, per = 1) => {
    const all: Record<string, number> = {};
    for (const h of hostStats) for (const [k, n] of Object.entries(pick(h))) all[k] = (all[k] ?? 0) + n;
    for (const k of Object.keys(all)) all[k] = round(all[k]! / per, 1);
    return all;
  };
  const failed = tally((h) => h.failures);
  const peakRunning = sum((h) => h.peakRunning); // each host's own peak: all slots held a job at some point
  const stepsPerS = sum((h) => h.stepsInWindow) / windowSeconds;
  const stepP99 = watchers.samples.length ? percentile(watchers.samples, 99) : Infinity;
  const claimP99 = percentile(claimMs, 99);
  const unreceived = watchers.unreceived();
  const why = [
    stepP99 >= GOAL.stepP99Ms ? `step p99 ${round(stepP99)} ms >= ${GOAL.stepP99Ms}` : "",
    claimP99 >= GOAL.claimP99Ms ? `claim p99 ${round(claimP99)} ms >= ${GOAL.claimP99Ms}` : "",
    leasesLost > 0 ? `${leasesLost} leases lost` : "",
    jobErrors > 0 ? `${jobErrors} jobs failed (${Object.entries(failed).map(([k, n]) => `${k} x${n}`).join(", ")})` : "",
    unreceived > 0 ? `${unreceived} steps never reached their subscriber` : "",
    peakRunning < level ? `only ${peakRunning} of ${level} slots held a job` : "",
  ].filter(Boolean).join("; ");
  return {
    concurrent_jobs: level, held: why === "", why, peak_running: peakRunning,
    running_min: running.length ? Math.min(...running) : 0, running_max: running.length ? Math.max(...running) : 0,
    step_p50_ms: round(percentile(watchers.samples, 50)), step_p99_ms: round(stepP99), unreceived_steps: unreceived,
    claim_p50_ms: round(percentile(claimMs, 50)), claim_p99_ms: round(claimP99), progress_p99_ms: round(percentile(hostStats.flatMap((h) => h.progressMs), 99)),
    leases_lost: leasesLost, job_errors: jobErrors, failed_statements: failed, statements_per_s: tally((h) => h.statements, windowSeconds), steps_per_s: round(stepsPerS, 0), jobs_finished: sum((h) => h.jobsFinished),
    db_tps: round(tps, 0), db_transactions_per_step: round(tps / Math.max(1, stepsPerS), 2),
    jobs_row_updates_per_s: round(updates / windowSeconds, 0), jobs_hot_update_share: round((atEnd.hot - atStart.hot) / Math.max(1, updates), 3), api_loop_delay_p99_ms: round(Number(api.loopDelayP99Ms)),
    host_loop_delay_p99_ms: round(Math.max(...hostStats.map((h) => h.loopDelayP99Ms))),
    host_cpu_percent: round((sum((h) => h.cpuMs) / 1000 / windowSeconds) * 100, 0), connections_peak: connectionsPeak, load_average: load,
  };
}

/**
 * The hosts' connections must fit what the shared server has left: each host's pool plus its LISTEN
 * connection, on top of what is in use now (this bench's API and pools included), with a margin.
 */
async function checkConnections(admin: pg.Pool): Promise<string> {
  const { rows: [r] } = await admin.query<{ max: number; reserved: number; used: number }>(
    `SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved,
            (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used`);
  const need = PROCS * (POOL_EACH + 1);
  const free = r!.max - r!.reserved - r!.used - CONNECTION_MARGIN;
  const line = `connections: hosts ${PROCS} x (${POOL_EACH} pool + 1 listen) = ${need}; in use before them ${r!.used} of max_connections ${r!.max} (${r!.reserved} reserved)`;
  if (need > free) throw new Error(`${line}: only ${free} free with a margin of ${CONNECTION_MARGIN}; lower BENCH_FLEET_POOL or BENCH_FLEET_PROCS`);
  return line;
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
  // Held for the whole run (no idle timeout): on a shared server a connection given back between levels
  // may not be there to take again ("too many clients").
  const pool = new pg.Pool({ connectionString: db.url, max: 2, idleTimeoutMillis: 0 }); // inserts the jobs, cancels what a level left queued
  const admin = new pg.Pool({ connectionString: db.url, max: 1, idleTimeoutMillis: 0 });
  let hosts: FleetHosts | null = null;
  const results: LevelResult[] = [];
  try {
    const ready = await api.ready;
    console.log(await checkConnections(admin));
    hosts = await FleetHosts.start(PROCS, db.url, POOL_EACH, queueConfig);
    const ctx: Ctx = { pool, admin, dbName, hosts, wsUrl: String(ready.url).replace(/^http/, "ws"), accounts: ready.accounts as { id: string; key: string }[] };
    for (const level of LEVELS) {
      const result = await runLevel(level, ctx);
      results.push(result);
      console.log(`${level} concurrent jobs: ${result.held ? "held" : `did not hold (${result.why})`}; step p50/p99 ${result.step_p50_ms}/${result.step_p99_ms} ms, claim p99 ${result.claim_p99_ms} ms, ${result.steps_per_s} steps/s, ${result.db_tps} tps (${result.db_transactions_per_step} per step), ${result.jobs_row_updates_per_s} job row updates/s (${Math.round(result.jobs_hot_update_share * 100)}% HOT), running ${result.running_min}-${result.running_max}, ${result.connections_peak} connections, hosts' CPU ${result.host_cpu_percent} %, load ${result.load_average.join(" ")}`);
      console.log(`  hosts' statements/s: ${Object.entries(result.statements_per_s).map(([k, n]) => `${k} ${n}`).join(", ")}`);
      // BENCH_FLEET_CONTINUE=1: every level is run (to see where each limit falls when another already failed)
      if (!result.held && process.env.BENCH_FLEET_CONTINUE !== "1") break;
    }
  } finally {
    await hosts?.stop();
    await api.stop();
    await pool.end();
    await admin.end();
    await db.drop();
  }
  console.log(table(["jobs", "held", "step p50/p99 ms", "claim p50/p99 ms", "leases lost", "steps/s", "db tps", "tx/step", "API/host loop p99 ms", "load 1/5/15"],
    results.map((r) => [r.concurrent_jobs, r.held ? "yes" : `no: ${r.why}`, `${r.step_p50_ms} / ${r.step_p99_ms}`, `${r.claim_p50_ms} / ${r.claim_p99_ms}`, r.leases_lost, r.steps_per_s, r.db_tps, r.db_transactions_per_step,
      `${r.api_loop_delay_p99_ms} / ${r.host_loop_delay_p99_ms}`, r.load_average.join(" ")])));
  const firstMiss = results.findIndex((r) => !r.held); // the figure: the last level of the run that held from the start
  const best = (firstMiss === -1 ? results : results.slice(0, firstMiss)).at(-1) ?? null;
  const max = best?.concurrent_jobs ?? 0;
  const capped = best !== null && best === results.at(-1) && best.concurrent_jobs === Math.max(...LEVELS);
  console.log(`${QUICK ? "quick run (sizes too small to judge the goal); " : ""}largest level held: ${max} concurrent jobs${capped ? " (the highest level tried: the limit is above it)" : ""}; `
    + `goal >= ${GOAL.concurrentJobs}: ${max >= GOAL.concurrentJobs ? "met" : "MISSED"}; ${round(max / DESIGN_CLIPS_IN_FLIGHT, 1)}x the design's ${DESIGN_CLIPS_IN_FLIGHT} clips in flight; total ${round((performance.now() - began) / 1000, 1)} s`);
  console.log(JSON.stringify({
    bench: "fleet", quick: QUICK, sync_steps: SYNC_STEPS, progress_row_ms: queueConfig.progressRowMs, step_gather_ms: queueConfig.stepGatherMs, step_event_interval_ms: queueConfig.stepEventIntervalMs, events: process.env.BENCH_FLEET_EVENTS === "per-job" ? "per-job" : "per-host", step_ms: STEP_MS, steps_per_job: STEPS_PER_JOB, level_seconds: LEVEL_SECONDS, watched_jobs_per_level: WATCHED, pool_size: POOL_SIZE, procs: PROCS, pool_per_proc: POOL_EACH,
    max_concurrent_jobs: max, limit_above_highest_level: capped, db_tps_at_max: best?.db_tps ?? null, steps_per_s_at_max: best?.steps_per_s ?? null,
    goal_concurrent_jobs: GOAL.concurrentJobs, goal_met: max >= GOAL.concurrentJobs, design_clips_in_flight: DESIGN_CLIPS_IN_FLIGHT,
    headroom_over_design: round(max / DESIGN_CLIPS_IN_FLIGHT, 1), levels: results, total_seconds: round((performance.now() - began) / 1000, 1),
  }));
}

main().then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);
