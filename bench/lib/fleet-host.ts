// One simulated worker host of bench/fleet.ts, a child process: its own pool, PgEventBus (one LISTEN
// connection, as every worker process has) and JobQueue, running its share of the fleet's slots
// (fleet-slots.ts). Separate hosts are how production runs a fleet: each batches only its own events and
// queues only for its own pool, so the simulator's limit is no longer one Node process and one pool.
//
// Protocol over the IPC channel (fork), parent -> child: {type:"run", plan, watched} | {type:"window"} |
// {type:"stop"}; child -> parent: {type:"ready"}, {type:"sent", jobId, step, at} for each step of a
// watched job (at: epoch ms from performance.timeOrigin, comparable across processes on one machine),
// {type:"done", stats} when the run ends.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createPool, type Sql } from "../../src/db/pool.js";
import type { EventBus } from "../../src/events/bus.js";
import { PgEventBus } from "../../src/events/pg.js";
import { JobQueue, type QueueConfig } from "../../src/queue/queue.js";
import { emptyStats, runSlots, type SlotPlan } from "./fleet-slots.js";

/*
 * BENCH_FLEET_EVENTS=per-job: each event its own NOTIFY transaction, sent at once and concurrently, as a
 * fleet of one-job worker processes (production's layout: workers/main.ts runs one worker) sends them: no
 * event shares a commit with another job's. The statement is PgEventBus's publish with one payload.
 */
const PUBLISH_ONE = `/* publishEvents */
SELECT pg_notify($1, $2) WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL`;

function perJobBus(bus: PgEventBus, sql: Sql): EventBus {
  return {
    sqlChannel: bus.sqlChannel,
    stepChannel: bus.stepChannel,
    publish: async (event) => { await sql.query(PUBLISH_ONE, [event.progressOnly ? bus.stepChannel : bus.sqlChannel, JSON.stringify(event)]); },
    subscribe: (listener) => bus.subscribe(listener),
    close: () => bus.close(),
  };
}

export interface HostRun {
  type: "run";
  /** as SlotPlan, with stopAt in epoch ms (each process has its own performance.now() origin) */
  plan: Omit<SlotPlan, "stopAt"> & { stopAtEpoch: number };
  watched: string[];
  /** this host runs the lease sweeper, as the one elected process of a fleet does */
  sweep: boolean;
}

/** What one host measured over the window (samples raw, so the parent takes percentiles over all hosts). */
export interface HostStats {
  claimMs: number[];
  progressMs: number[];
  leasesLost: number;
  jobErrors: number;
  emptyClaims: number;
  jobsFinished: number;
  stepsInWindow: number;
  peakRunning: number;
  loopDelayP99Ms: number;
  cpuMs: number;
  /** statements this host sent in the window, by the tag each opens with (what its transactions were) */
  statements: Record<string, number>;
  /** statements that failed, by tag and SQLSTATE (a deadlock, a serialization failure) */
  failures: Record<string, number>;
}

const send = (message: Record<string, unknown>) => process.send!(message);
const epochNow = () => performance.timeOrigin + performance.now();

const config = JSON.parse(process.env.BENCH_FLEET_QUEUE_CONFIG!) as QueueConfig;
const pool = createPool(process.env.DATABASE_URL!, Number(process.env.BENCH_FLEET_HOST_POOL));
// Every statement of the queue and the bus goes through here, counted by its tag (each is autocommit).
let statements: Record<string, number> = {};
let failures: Record<string, number> = {};
const counted: Sql = {
  query(text, values) {
    const sql = typeof text === "string" ? text : text.text;
    const tag = /\/\*\s*(\w+)\s*\*\//.exec(sql)?.[1] ?? sql.slice(0, 30);
    statements[tag] = (statements[tag] ?? 0) + 1;
    return (pool.query(text as never, values as never) as Promise<never>).catch((error: { code?: string }) => {
      const key = `${tag} ${error.code ?? "?"}`;
      failures[key] = (failures[key] ?? 0) + 1;
      throw error;
    }) as never;
  },
};
// a worker host: not sent the fleet's step events (only the API listens to their channel)
const bus = await PgEventBus.connect(process.env.DATABASE_URL!, counted, { steps: false });
const queue = new JobQueue(counted, process.env.BENCH_FLEET_EVENTS === "per-job" ? perJobBus(bus, counted) : bus, config);
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

let stats = emptyStats();
let stepsAtWindow = 0;
let cpuAtWindow = process.cpuUsage();

async function run(message: HostRun): Promise<void> {
  stats = emptyStats();
  stepsAtWindow = 0;
  failures = {};
  const watched = new Set(message.watched);
  const { stopAtEpoch, ...plan } = message.plan;
  // What the hosts sent in the window [window, stopAt): the completions after it are the level's drain.
  let inWindow: Record<string, number> = {};
  const stop = setTimeout(() => { inWindow = { ...statements }; }, stopAtEpoch - Date.now());
  const sweeper = message.sweep ? setInterval(() => { void queue.sweep().catch(() => {}); }, config.sweepMs) : null;
  try {
    await runSlots(queue, { ...plan, stopAt: stopAtEpoch - performance.timeOrigin }, stats, (jobId, step) => {
      if (watched.has(jobId)) send({ type: "sent", jobId, step, at: epochNow() });
    });
  } finally {
    if (sweeper) clearInterval(sweeper);
    clearTimeout(stop);
  }
  const cpu = process.cpuUsage(cpuAtWindow);
  const result: HostStats = {
    claimMs: stats.claimMs, progressMs: stats.progressMs, leasesLost: stats.leasesLost, jobErrors: stats.jobErrors, emptyClaims: stats.emptyClaims,
    jobsFinished: stats.jobsFinished, stepsInWindow: stats.stepsWritten - stepsAtWindow, peakRunning: stats.peakRunning,
    loopDelayP99Ms: loop.percentile(99) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, statements: inWindow, failures,
  };
  send({ type: "done", stats: result });
}

process.on("message", (message: { type: string }) => {
  if (message.type === "run") {
    void run(message as HostRun).catch((error: unknown) => send({ type: "error", message: String(error) }));
  } else if (message.type === "window") {
    // The measured window opens: what came before (first claims, the stagger) is warm-up.
    stats.claimMs.length = 0;
    stats.progressMs.length = 0;
    stepsAtWindow = stats.stepsWritten;
    statements = {};
    loop.reset();
    cpuAtWindow = process.cpuUsage();
  } else if (message.type === "stop") {
    void (async () => {
      await bus.close();
      await pool.end();
      process.exit(0);
    })();
  }
});
send({ type: "ready" });
