// The queue as workers see it: claim, heartbeat, progress, finish, sweep. Every write that concerns a
// claimed job is fenced by its lease, and each change is published on the event bus as a hint.
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import type { EventBus, JobEvent } from "../events/bus.js";
import type { JobStage, JobStatus } from "../jobs/states.js";
import { retryDelayMs } from "./backoff.js";
import type { JobError } from "./errors.js";
import { claimJob } from "./sql/claimJob.js";
import { acknowledgeCancel, completeJob, failJob, releaseJob } from "./sql/finishJob.js";
import { heartbeat } from "./sql/heartbeat.js";
import { recordProgress, type ProgressWrite } from "./sql/recordProgress.js";
import { sweepExpiredLeases } from "./sql/sweepExpiredLeases.js";
import type { ClaimedJob, Lease } from "./types.js";

export type QueueConfig = Config["queue"];

export class JobQueue {
  constructor(private readonly sql: Sql, private readonly bus: EventBus, private readonly config: QueueConfig) {}

  async claim(workerId: string): Promise<ClaimedJob | null> {
    const job = await claimJob(this.sql, workerId, this.config.leaseMs);
    if (job) await this.publish(job.id, "RUNNING", job.stage, { queueChanged: true });
    return job;
  }

  heartbeat(lease: Lease): Promise<{ cancelRequested: boolean }> {
    return heartbeat(this.sql, lease, this.config.leaseMs);
  }

  async progress(lease: Lease, write: ProgressWrite, totalSteps: number): Promise<{ cancelRequested: boolean }> {
    const result = await recordProgress(this.sql, lease, write, this.config.leaseMs);
    await this.publish(lease.jobId, "RUNNING", write.stage, {
      progressOnly: write.stepsCompleted !== undefined, fencingToken: lease.fencingToken,
      stepsCompleted: write.stepsCompleted, totalSteps,
      etaSeconds: (write.progress?.etaSeconds as number | undefined) ?? null,
      previewUrl: (write.progress?.previewUrl as string | undefined) ?? null,
    });
    return result;
  }

  async complete(lease: Lease, video: unknown, metadata: Record<string, unknown>): Promise<void> {
    await completeJob(this.sql, lease, video, metadata);
    await this.publish(lease.jobId, "SUCCEEDED", "DONE");
  }

  /** Records a failure; returns the job's new status (QUEUED when it will run again). */
  async fail(lease: Lease, attempts: number, error: JobError, stage: JobStage): Promise<{ status: JobStatus }> {
    const delay = retryDelayMs(attempts, this.config.retryBaseMs, this.config.retryMaxMs);
    const { status } = await failJob(this.sql, lease, { code: error.code, message: error.message, retryable: error.retryable }, delay);
    const willRetry = status === "QUEUED";
    await this.publish(lease.jobId, status, willRetry ? "QUEUED" : stage, { queueChanged: willRetry });
    return { status };
  }

  async release(lease: Lease, stage: JobStage): Promise<void> {
    const { status } = await releaseJob(this.sql, lease);
    await this.publish(lease.jobId, status, status === "QUEUED" ? "QUEUED" : stage, { queueChanged: true });
  }

  async acknowledgeCancel(lease: Lease, stage: JobStage): Promise<void> {
    await acknowledgeCancel(this.sql, lease);
    await this.publish(lease.jobId, "CANCELLED", stage);
  }

  /** Frees jobs of dead workers; returns how many were swept. */
  async sweep(): Promise<number> {
    const swept = await sweepExpiredLeases(this.sql);
    for (const job of swept) await this.publish(job.id, job.status, job.stage, { queueChanged: true });
    return swept.length;
  }

  private publish(jobId: string, status: JobStatus, stage: JobStage, extra: Partial<JobEvent> = {}): Promise<void> {
    return this.bus.publish({ kind: "job", jobId, status, stage, ...extra });
  }
}
