// A worker: runs one job at a time from the shared queue through the pipeline; while its jobs are short
// it claims a few ahead (local-queue.ts). It wakes on a bus event (a hint) and otherwise polls. Expired leases of dead workers are swept once per fleet by
// the elected lease sweeper (src/ops/lease-sweeper.ts), not by each worker.
import { hostname } from "node:os";
import type { Sql } from "../src/db/pool.js";
import type { EventBus } from "../src/events/bus.js";
import type { Logger } from "../src/log.js";
import type { JobQueue, QueueConfig } from "../src/queue/queue.js";
import type { ClaimedJob } from "../src/queue/types.js";
import { removeJobObjects } from "../src/storage/job-objects.js";
import type { ObjectStore } from "../src/storage/store.js";
import { activeWorkers, observeClaim, observeSucceeded, runningJobs } from "../src/ops/metrics.js";
import { registerWorker, removeWorker, touchWorker } from "../src/queue/sql/workers.js";
import type { Stage } from "./pipeline.js";
import { DEFAULT_PREFETCH_BELOW_MS } from "../src/config/config.js";
import { LocalQueue } from "./local-queue.js";
import { JobRun, type JobOutcome } from "./runner.js";

export interface WorkerDeps {
  id: string;
  sql: Sql;
  queue: JobQueue;
  bus: EventBus;
  stages: readonly Stage[];
  /** the stages' object store: the runner and the sweep remove the objects of jobs that ended */
  store?: ObjectStore;
  config: QueueConfig;
  log: Logger;
  /** called after each job, for tests and metrics */
  onJobDone?: (jobId: string, outcome: JobOutcome) => void;
}

export class Worker {
  private stopping = false;
  private current: JobRun | null = null;
  private wake: (() => void) | null = null;
  /** a wake-up came since the last claim began: the claim may have missed that job, so claim again now */
  private woken = false;
  private loop: Promise<void> | null = null;
  /**
   * The ends of the last jobs handed off that have not settled well (each one's completion in flight,
   * then its metrics and onJobDone; a failed one stays until awaited, so the loop still sees its error):
   * the worker claims and runs the next job meanwhile. At most one end is pending per job it may hold
   * (one, plus its run-ahead), so short jobs' completions share statements (completions.ts); past that it
   * waits for the oldest, and for all before it exits.
   */
  private readonly endings = new Set<Promise<void>>();
  /** jobs claimed ahead, leased to this worker, to run next */
  private readonly local: LocalQueue;
  /** a background claim topping the local queue up, while one is in flight */
  private refill: Promise<void> | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: WorkerDeps) {
    this.local = new LocalQueue(deps.queue, deps.log, deps.config.claimPrefetch ?? 0, deps.config.prefetchBelowMs ?? DEFAULT_PREFETCH_BELOW_MS, deps.config.leaseMs);
    this.unsubscribe = deps.bus.subscribe((event) => {
      if (event.kind === "resync" || (event.kind === "job" && event.status === "QUEUED")) {
        this.woken = true;
        this.wake?.();
      }
    });
  }

  get id(): string {
    return this.deps.id;
  }

  start(): void {
    // The loop only ends by stop(); a failure before it starts (registering) is logged, never left
    // as a rejection nobody awaits until shutdown.
    this.loop ??= this.run().catch((error) => this.deps.log.error({ err: error }, "worker stopped on an error"));
  }

  /** Stops claiming, stops the current job at its next step (released for another worker), and exits. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.current?.stop("shutdown");
    this.wake?.();
    await this.loop;
    this.unsubscribe();
  }

  private async run(): Promise<void> {
    const { sql, id, log } = this.deps;
    for (let tries = 1; !this.stopping; tries++) {
      try {
        await registerWorker(sql, id, hostname(), process.pid);
        break;
      } catch (error) {
        log.error({ err: error }, "could not register the worker; trying again");
        await this.idle(Math.min(10_000, 100 * 2 ** tries));
      }
    }
    activeWorkers.inc();
    // Seen-alive marks keep coming while a long job runs; ETAs count live workers by them.
    const touch = setInterval(() => void touchWorker(sql, id).catch(() => {}), 10_000);
    let failures = 0;
    while (!this.stopping) {
      try {
        // Cleared before the claim: a wake-up that arrives while the claim is in flight (its job may have
        // committed after the claim's snapshot) is kept, and the loop claims again instead of sleeping.
        this.woken = false;
        const completing = this.endings.size > 0; // completions in flight as the claim starts
        const job = await this.nextJob();
        failures = 0;
        if (!job) {
          // A job whose completion is in flight still runs as far as the burst cap knows, until that commits
          // (sql/claimJob.ts): with this worker's own completions in flight as it started, "nothing" may only
          // mean "not yet". Claim again once they have committed, instead of sleeping a poll interval.
          if (completing) {
            await this.settleEndings();
            continue;
          }
          if (!this.woken) await this.idle(this.deps.config.pollMs);
          continue;
        }
        if (this.stopping) {
          // stop() came while the claim was in flight: hand the job straight back.
          await this.deps.queue.release({ jobId: job.id, fencingToken: job.fencingToken });
          await this.local.releaseAll();
          break;
        }
        const timing = observeClaim(job);
        const run = new JobRun(job, { queue: this.deps.queue, stages: this.deps.stages, heartbeatMs: this.deps.config.heartbeatMs, log, store: this.deps.store });
        this.current = run;
        runningJobs.inc();
        const startedAt = performance.now();
        // Held jobs go back to the queue if this one turns out long (another worker starts them now).
        const hold = this.local.size > 0 || this.refill ? setTimeout(() => void this.handBackHeld(), this.local.holdMs) : null;
        const ended = run.run().finally(() => runningJobs.dec()).then((outcome) => {
          if (outcome === "succeeded") observeSucceeded(timing);
          this.deps.onJobDone?.(job.id, outcome);
        });
        ended.catch(() => {}); // awaited below: before the next hand-off, or before the worker exits
        // Free once the completion is handed to the queue: the next claim overlaps that statement
        // instead of following it (what the completion says still removes objects, counts and reports).
        await run.freed;
        if (hold) clearTimeout(hold);
        this.local.ran(performance.now() - startedAt);
        // Jobs no longer short: what is held would wait behind long runs; another worker starts it now.
        if (this.local.size > 0 && this.local.capacity() === 0) void this.handBackHeld();
        if (this.current === run) this.current = null;
        this.endings.add(ended);
        ended.then(() => this.endings.delete(ended), () => {});
        if (this.endings.size > 1 + this.local.prefetch) {
          const oldest = this.endings.values().next().value!;
          this.endings.delete(oldest);
          await oldest;
        }
      } catch (error) {
        // The database is unreachable or a write failed outside a job: back off and try again.
        this.current = null;
        failures += 1;
        log.error({ err: error }, "worker loop error");
        await this.idle(Math.min(10_000, 100 * 2 ** failures));
      }
    }
    // Jobs still held go back; the last jobs' completions may still be in flight: they are this worker's
    // until they have committed.
    await this.handBackHeld();
    await this.settleEndings();
    clearInterval(touch);
    activeWorkers.dec();
    await removeWorker(sql, id).catch(() => {});
  }

  /**
   * The next job: a held one (after the top-up in flight, if none is held), else a claim for it and the
   * run-ahead the local queue wants. Then tops the local queue up in the background if it runs low.
   */
  private async nextJob(): Promise<ClaimedJob | null> {
    const stage = this.deps.stages[0]?.stage ?? null;
    let job = this.local.next();
    if (!job && this.refill) {
      await this.refill;
      job = this.local.next();
    }
    if (!job) {
      const [claimed, ...ahead] = await this.deps.queue.claimUpTo(this.deps.id, stage, this.local.wanted());
      this.local.keep(ahead);
      job = claimed;
    }
    if (job && !this.refill && !this.stopping && this.local.wantsMore()) {
      this.refill = this.deps.queue.claimUpTo(this.deps.id, stage, this.local.capacity() - this.local.size)
        .then((jobs) => this.local.keep(jobs)) // after a stop too: the loop's end hands them back
        .catch((error) => this.deps.log.warn({ err: error }, "could not claim ahead; claiming one at a time"))
        .finally(() => { this.refill = null; });
    }
    return job ?? null;
  }

  /** Waits for every pending end of a job (its completion committed, or its failure logged). */
  private async settleEndings(): Promise<void> {
    const endings = [...this.endings];
    this.endings.clear();
    for (const ending of endings) await ending.catch((error) => this.deps.log.error({ err: error }, "could not record how a job ended"));
  }

  /** The held jobs, and those of a top-up in flight, go back to the queue. */
  private async handBackHeld(): Promise<void> {
    await this.refill;
    await this.local.releaseAll();
  }

  private idle(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); resolve(); }
      this.wake = () => { this.wake = null; done(); };
    });
  }
}
