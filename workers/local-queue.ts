// A worker's run-ahead. While its jobs run shorter than `belowMs` (a cheap stage, a test pipeline, a
// bench: never a GPU denoise, which takes seconds), each claim asks for up to `prefetch` more jobs,
// leased to this worker and run next, in the order the claim made them (fair share's order), so a stream
// of short jobs pays one claim call (one round trip, one commit and its WAL flush) for several jobs; once
// half of them are gone the worker claims the next few in the background (worker.ts), so it never waits
// on the database between two of them. This is graphile-worker's "local queue" idea, sized
// by what the jobs cost instead of by a fixed setting.
//
// Why the guarantees hold: each held job keeps its own lease and fencing token, so every write about it
// is fenced as before; it is RUNNING in the database, so burst caps count it (a cap is never exceeded, it
// can only be reached earlier); a held job waits about `belowMs`, never much past `holdMs` (a quarter of
// the lease at most): the worker hands the held ones back as soon as the job it runs outlasts holdMs, as
// soon as its jobs stop being short (the mean run time passes belowMs), and when it stops; so it needs
// no heartbeat; a hand-back is releaseJob (QUEUED at once, not a failed attempt, its place in the lane kept:
// created_at decides it); a crash leaves held jobs to the lease sweeper like the running one.
import type { Logger } from "../src/log.js";
import type { JobQueue } from "../src/queue/queue.js";
import type { ClaimedJob } from "../src/queue/types.js";

/** how much a new run time weighs in the moving mean that decides the run-ahead */
const WEIGHT = 0.3;

export class LocalQueue {
  private held: ClaimedJob[] = [];
  /** moving mean of this worker's run times, ms (none yet: no run-ahead) */
  private meanRunMs = Number.POSITIVE_INFINITY;

  /** held jobs go back when the running job outlasts this: well past a short job, far inside a lease */
  readonly holdMs: number;

  constructor(private readonly queue: JobQueue, private readonly log: Logger, readonly prefetch: number,
    private readonly belowMs: number, leaseMs: number) {
    this.holdMs = Math.min(belowMs * 20, leaseMs / 4);
  }

  get size(): number {
    return this.held.length;
  }

  /**
   * How many jobs to hold ahead: none until this worker's jobs are seen to be short, then as many as run
   * in `belowMs` at their mean run time, `prefetch` at most. So the last held job waits about belowMs,
   * and a fleet of workers never leaves one idle while another sits on long work.
   */
  capacity(): number {
    if (this.prefetch === 0 || !(this.meanRunMs < this.belowMs)) return 0;
    return Math.min(this.prefetch, Math.max(1, Math.floor(this.belowMs / Math.max(this.meanRunMs, 0.001))));
  }

  /** How many jobs a claim for the next one asks for: it, and the run-ahead. */
  wanted(): number {
    return 1 + this.capacity();
  }

  /** Whether to claim more in the background now: run-ahead on, and half of it or less still held. */
  wantsMore(): boolean {
    const capacity = this.capacity();
    return capacity > 0 && this.held.length <= capacity / 2;
  }

  /** The next held job, oldest claim first. */
  next(): ClaimedJob | undefined {
    return this.held.shift();
  }

  keep(jobs: ClaimedJob[]): void {
    this.held.push(...jobs);
  }

  /** A run took `ms` (claim hand-off to the completion handed to the queue). */
  ran(ms: number): void {
    this.meanRunMs = Number.isFinite(this.meanRunMs) ? this.meanRunMs + WEIGHT * (ms - this.meanRunMs) : ms;
  }

  /** Hands every held job back to the queue for any worker (a lost lease is already someone else's). */
  async releaseAll(): Promise<void> {
    const jobs = this.held;
    this.held = [];
    await Promise.all(jobs.map((job) => this.queue.release({ jobId: job.id, fencingToken: job.fencingToken })
      .catch((error) => this.log.warn({ err: error, jobId: job.id }, "could not hand a held job back; its lease will expire"))));
  }
}
