// A worker: claims one job at a time from the shared queue and runs it through the pipeline. It wakes
// on a bus event (a hint) and otherwise polls. Expired leases of dead workers are swept once per fleet by
// the elected lease sweeper (src/ops/lease-sweeper.ts), not by each worker.
import { hostname } from "node:os";
import type { Sql } from "../src/db/pool.js";
import type { EventBus } from "../src/events/bus.js";
import type { Logger } from "../src/log.js";
import type { JobQueue, QueueConfig } from "../src/queue/queue.js";
import { removeJobObjects } from "../src/storage/job-objects.js";
import type { ObjectStore } from "../src/storage/store.js";
import { activeWorkers, observeClaim, observeSucceeded, runningJobs } from "../src/ops/metrics.js";
import { registerWorker, removeWorker, touchWorker } from "../src/queue/sql/workers.js";
import type { Stage } from "./pipeline.js";
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
   * The end of the last job handed off (its completion in flight, then its metrics and onJobDone): the
   * worker claims and runs the next job meanwhile, and waits for it once that next job is handed off in
   * turn (at most one job's end pending while it claims), and before it exits.
   */
  private ending: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: WorkerDeps) {
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
        const job = await this.deps.queue.claim(id, this.deps.stages[0]?.stage ?? null);
        failures = 0;
        if (!job) {
          if (!this.woken) await this.idle(this.deps.config.pollMs);
          continue;
        }
        if (this.stopping) {
          // stop() came while the claim was in flight: hand the job straight back.
          await this.deps.queue.release({ jobId: job.id, fencingToken: job.fencingToken });
          break;
        }
        const timing = observeClaim(job);
        const run = new JobRun(job, { queue: this.deps.queue, stages: this.deps.stages, heartbeatMs: this.deps.config.heartbeatMs, log, store: this.deps.store });
        this.current = run;
        runningJobs.inc();
        const ended = run.run().finally(() => runningJobs.dec()).then((outcome) => {
          if (outcome === "succeeded") observeSucceeded(timing);
          this.deps.onJobDone?.(job.id, outcome);
        });
        ended.catch(() => {}); // awaited below: before the next hand-off, or before the worker exits
        // Free once the completion is handed to the queue: the next claim overlaps that statement
        // instead of following it (what the completion says still removes objects, counts and reports).
        await run.freed;
        if (this.current === run) this.current = null;
        const before = this.ending;
        this.ending = ended;
        await before;
      } catch (error) {
        // The database is unreachable or a write failed outside a job: back off and try again.
        this.current = null;
        failures += 1;
        log.error({ err: error }, "worker loop error");
        await this.idle(Math.min(10_000, 100 * 2 ** failures));
      }
    }
    // The last job's completion may still be in flight: it is this worker's until it has committed.
    await this.ending.catch((error) => log.error({ err: error }, "could not record how the last job ended"));
    clearInterval(touch);
    activeWorkers.dec();
    await removeWorker(sql, id).catch(() => {});
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
