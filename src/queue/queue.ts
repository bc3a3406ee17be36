// The queue as workers see it: claim, heartbeat, progress, finish, sweep. Every write that concerns a
// claimed job is fenced by its lease and announced on the event bus as a hint: inside the statement
// when the bus is PostgreSQL's, in-process otherwise.
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import { DEFAULT_STEP_EVENT_INTERVAL_MS, DEFAULT_STEP_GATHER_MS, EventBatcher } from "../events/batcher.js";
import type { EventBus, JobEvent } from "../events/bus.js";
import type { JobStage, JobStatus } from "../jobs/states.js";
import { retryDelayMs } from "./backoff.js";
import type { JobError } from "./errors.js";
import type { WrittenRow } from "./sql/announce.js";
import { ClaimBatcher } from "./claims.js";
import { LaneClock } from "./lanes.js";
import { acknowledgeCancel, blockJob, failJob, releaseJob } from "./sql/finishJob.js";
import { CompletionBatcher } from "./completions.js";
import { heartbeat } from "./sql/heartbeat.js";
import { recordCheckpoint } from "./sql/recordCheckpoint.js";
import { recordProgress, type ProgressWrite } from "./sql/recordProgress.js";
import { restartJob } from "./sql/restartJob.js";
import { merge, StepPipeline } from "./step-pipeline.js";
import { sweepExpiredLeases } from "./sql/sweepExpiredLeases.js";
import { expireJobs } from "./sql/expireJobs.js";
import type { CheckpointRef, ClaimedJob, Lease } from "./types.js";

/** The event of a progress write: a step (progressOnly) carries its count, lease and ETA. */
function progressEvent(lease: Lease, write: ProgressWrite, totalSteps: number): Omit<JobEvent, "kind" | "jobId" | "status" | "stage"> {
  return {
    progressOnly: write.stepsCompleted !== undefined, fencingToken: lease.fencingToken,
    stepsCompleted: write.stepsCompleted, totalSteps,
    etaSeconds: (write.progress?.etaSeconds as number | undefined) ?? null,
    previewKey: (write.progress?.previewKey as string | undefined) ?? null,
  };
}

export type QueueConfig = Config["queue"];

/** How often a running job's row takes its step count when steps go through step() (KINEMA_PROGRESS_ROW_MS). */
export const DEFAULT_PROGRESS_ROW_MS = 5_000;

export class JobQueue {
  private readonly channel: string | null;
  /** claims that arrive while one is in flight share the next call, under this process's lane passes */
  private readonly claims: ClaimBatcher;
  /** completions that arrive while one is in flight share the next statement */
  private readonly completions: CompletionBatcher;
  private readonly steps: StepPipeline;

  constructor(private readonly sql: Sql, private readonly bus: EventBus, private readonly config: QueueConfig,
    onEventsLost: (error: unknown, lost: number) => void = () => {}) {
    this.channel = bus.sqlChannel ?? null;
    this.completions = new CompletionBatcher(sql, this.channel);
    this.claims = new ClaimBatcher(sql, config.leaseMs, new LaneClock(), this.channel);
    const rowWrite = (lease: Lease, write: ProgressWrite) => recordProgress(this.sql, lease, write, this.config.leaseMs, null, {});
    this.steps = new StepPipeline(new EventBatcher(bus, onEventsLost, config.stepGatherMs ?? DEFAULT_STEP_GATHER_MS, config.stepEventIntervalMs ?? DEFAULT_STEP_EVENT_INTERVAL_MS), rowWrite, config.progressRowMs ?? DEFAULT_PROGRESS_ROW_MS, config.leaseMs * 2);
    // A cancel (or any change but a step) to a job with pipelined steps: its next step reads the row. Not
    // the lease's own claim: its event carries the lease's token (cancels and staff actions carry none).
    bus.subscribe((event) => {
      if (event.kind === "resync") this.steps.recheck(null);
      else if (event.kind === "job" && !event.progressOnly && event.status === "RUNNING") this.steps.recheck(event.jobId, event.fencingToken);
    });
  }

  /**
   * Claims the next job; it enters `firstStage` (the pipeline's first) at once, when given. Sent at once
   * when no claim of this process is in flight, else with the others that wait for it (claims.ts).
   */
  async claim(workerId: string, firstStage: JobStage | null = null): Promise<ClaimedJob | null> {
    return (await this.claimUpTo(workerId, firstStage, 1))[0] ?? null;
  }

  /**
   * Up to `count` jobs, all leased to `workerId`, in the order they were claimed (none: nothing to run).
   * The worker runs them in that order (workers/local-queue.ts); each has its own lease and token.
   */
  async claimUpTo(workerId: string, firstStage: JobStage | null, count: number): Promise<ClaimedJob[]> {
    const began = performance.now();
    const jobs = await this.claims.claim(workerId, firstStage, count);
    // The claim wrote the row (stage, lease, no cancel: a queued job is cancelled outright): the first
    // stage's steps take the pipelined path from the first, with no synchronous write to open their lane.
    if (firstStage) for (const job of jobs) this.steps.opened({ jobId: job.id, fencingToken: job.fencingToken }, firstStage, false, began);
    // On PostgreSQL's bus the claim's statement announced them (claimJob.ts); the in-process bus hears them here.
    if (!this.channel) {
      for (const job of jobs) await this.bus.publish({ kind: "job", jobId: job.id, status: "RUNNING", stage: job.stage, queueChanged: true, fencingToken: job.fencingToken });
    }
    return jobs;
  }

  /**
   * Extends the lease. Skipped (no statement) while a row write of the lease's steps or checkpoints
   * extended it within half a heartbeat interval (and within leaseMs - 2 x heartbeatMs, so one missed
   * beat after this one still finds the lease alive; never when the heartbeat is half the lease): the
   * lease then has at least leaseMs - heartbeatMs / 2 left, half a beat less than a heartbeat would
   * leave. A running denoise then costs few heartbeats: its row writes, every progressRowMs (5 s), and
   * its checkpoints are its heartbeats.
   */
  async heartbeat(lease: Lease): Promise<{ cancelRequested: boolean }> {
    const window = Math.min(this.config.heartbeatMs / 2, this.config.leaseMs - 2 * this.config.heartbeatMs);
    const recent = this.steps.recentlyExtended(lease, window);
    if (recent) return recent;
    return heartbeat(this.sql, lease, this.config.leaseMs);
  }

  /**
   * The fenced progress write, synchronous: the row is written and announced before this returns (a
   * stage change, metadata, a step with no lane). Carries the steps step() had not written.
   */
  async progress(lease: Lease, write: ProgressWrite, totalSteps: number): Promise<{ cancelRequested: boolean }> {
    const unwritten = await this.steps.settle(lease);
    const full = unwritten ? merge(unwritten, write) : write;
    const event = progressEvent(lease, write, totalSteps);
    const began = performance.now();
    let row: Awaited<ReturnType<typeof recordProgress>>;
    try {
      // a step's event on the step channel, as the pipelined steps' (the bus's stepChannel, when it has one)
      const channel = event.progressOnly && this.channel ? (this.bus.stepChannel ?? this.channel) : this.channel;
      row = await recordProgress(this.sql, lease, full, this.config.leaseMs, channel, event);
    } catch (error) {
      this.steps.closed(lease);
      throw error;
    }
    try {
      await this.announce([row], event);
    } finally {
      // the write ended: settle()'s hold goes with the lane it replaces or closes, however this ends
      if (write.stepsCompleted !== undefined && !row.cancel_requested) this.steps.opened(lease, write.stage, false, began);
      else this.steps.closed(lease);
    }
    return { cancelRequested: row.cancel_requested };
  }

  /**
   * A denoising step, pipelined (src/queue/step-pipeline.ts): its event is published from here in a
   * batch, the row takes the count at most every progressRowMs, and nothing waits for the database. The
   * first step of a later stage than the claim's, or after a lost lane, is a synchronous progress() write.
   */
  async step(lease: Lease, write: ProgressWrite, totalSteps: number): Promise<{ cancelRequested: boolean }> {
    const event: JobEvent = { ...progressEvent(lease, write, totalSteps), kind: "job", jobId: lease.jobId, status: "RUNNING", stage: write.stage };
    return this.steps.step(lease, write, event) ?? this.progress(lease, write, totalSteps);
  }

  /**
   * Points the job at a stored checkpoint (synchronous commit). The same statement carries the steps not
   * yet written and extends the lease: it is also the lane's row write and a heartbeat (recordCheckpoint.ts).
   */
  async checkpoint(lease: Lease, key: string, step: number): Promise<CheckpointRef> {
    // after the lease's row write in flight, so the two fenced writes of one lease never race for the row
    const carried = await this.steps.settle(lease);
    const began = performance.now();
    try {
      const { ref, cancelRequested } = await recordCheckpoint(this.sql, lease, key, step, this.config.leaseMs, carried);
      this.steps.wrote(lease, began, { cancelRequested });
      return ref;
    } catch (error) {
      this.steps.wrote(lease, began, { failed: error, carried });
      throw error;
    }
  }

  /** Returns the job's new status: SUCCEEDED, or CANCELLED when it was deleted while it ran. */
  async complete(lease: Lease, video: unknown, metadata: Record<string, unknown>): Promise<{ status: JobStatus }> {
    await this.finishing(lease);
    const row = await this.completions.complete({ lease, video, metadata });
    await this.announce([row], {});
    return { status: row.status };
  }

  /** Records a failure; returns the job's new status (QUEUED when it will run again). */
  async fail(lease: Lease, attempts: number, error: JobError): Promise<{ status: JobStatus }> {
    await this.finishing(lease);
    const delay = retryDelayMs(attempts, this.config.retryBaseMs, this.config.retryMaxMs);
    const row = await failJob(this.sql, lease, { code: error.code, message: error.message, retryable: error.retryable, ...error.policy }, delay, this.channel);
    await this.announce([row], { queueChanged: true });
    return { status: row.status };
  }

  async release(lease: Lease): Promise<void> {
    await this.finishing(lease);
    await this.announce([await releaseJob(this.sql, lease, this.channel)], { queueChanged: true });
  }

  /** Back to the queue as a fresh start (its checkpoint reference cannot be trusted); see restartJob.ts. */
  async restart(lease: Lease, reason: string): Promise<void> {
    await this.finishing(lease);
    await this.announce([await restartJob(this.sql, lease, reason, this.channel)], { queueChanged: true });
  }

  async block(lease: Lease, code: string, message: string, metadata: Record<string, unknown>): Promise<void> {
    await this.finishing(lease);
    await this.announce([await blockJob(this.sql, lease, code, message, metadata, this.channel)], {});
  }

  async acknowledgeCancel(lease: Lease): Promise<void> {
    await this.finishing(lease);
    await this.announce([await acknowledgeCancel(this.sql, lease, this.channel)], {});
  }

  /** Frees jobs of dead workers; returns how many were swept. */
  async sweep(): Promise<number> {
    return (await this.sweepJobs()).length;
  }

  /** Frees jobs of dead workers; returns each with its new status (QUEUED, or terminal: FAILED, CANCELLED). */
  async sweepJobs(): Promise<WrittenRow[]> {
    const swept = await sweepExpiredLeases(this.sql, this.channel);
    await this.announce(swept, { queueChanged: true });
    return swept;
  }

  /** Marks queued jobs past their deadline EXPIRED (never started); returns them. */
  async expireJobs(): Promise<WrittenRow[]> {
    const expired = await expireJobs(this.sql, this.channel);
    await this.announce(expired, { queueChanged: true });
    return expired;
  }

  /**
   * Before a finish statement: the lease's step events go out first, the row ends with the step count
   * its subscribers saw (one write, only when steps are unwritten), and the lane closes.
   */
  private async finishing(lease: Lease): Promise<void> {
    const unwritten = await this.steps.settle(lease);
    // A failure here loses a step count only (the row shows an earlier one): the finish statement that
    // follows reports what matters (a lost lease, the database gone) by failing itself.
    if (unwritten) await recordProgress(this.sql, lease, unwritten, this.config.leaseMs, null, {}).catch(() => {});
    this.steps.closed(lease);
  }

  /** Publishes what the statement could not announce itself (the bus has no SQL channel). */
  private async announce(rows: WrittenRow[], extra: Partial<JobEvent>): Promise<void> {
    if (this.channel) return;
    for (const row of rows) await this.bus.publish({ ...extra, kind: "job", jobId: row.id, status: row.status, stage: row.stage });
  }
}
