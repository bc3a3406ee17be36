// The stage runner: runs one claimed job through the pipeline under its lease. It heartbeats, turns a
// cancel, a lost lease or a shutdown into a stop at the next step, and records how the job ended.
import { BlockedError, JobError, LeaseLostError, classifyError } from "../src/queue/errors.js";
import type { JobQueue } from "../src/queue/queue.js";
import type { ClaimedJob, Lease } from "../src/queue/types.js";
import type { JobStage } from "../src/jobs/states.js";
import type { Logger } from "../src/log.js";
import { leaseLosses, observeFailure, observeStages, observeTerminal, postfilterBlocks } from "../src/ops/metrics.js";
import { StopError, type PipelineOutputs, type Stage, type StageContext, type StageProgress, type StopReason } from "./pipeline.js";

export type JobOutcome = "succeeded" | "retrying" | "failed" | "blocked" | "cancelled" | "released" | "lease-lost";

export interface RunnerDeps {
  queue: JobQueue;
  stages: readonly Stage[];
  heartbeatMs: number;
  log: Logger;
}

export class JobRun {
  private readonly controller = new AbortController();
  private readonly lease: Lease;
  private readonly log: Logger;
  private stage: JobStage;
  private readonly outputs: PipelineOutputs = {};
  private readonly timings: Record<string, number> = {};
  private readonly cleanups: (() => Promise<void>)[] = [];

  constructor(private readonly job: ClaimedJob, private readonly deps: RunnerDeps) {
    this.lease = { jobId: job.id, fencingToken: job.fencingToken };
    this.log = deps.log.child({ jobId: job.id, attempt: job.attempts, fencingToken: job.fencingToken });
    this.stage = job.stage;
  }

  /** Asks the job to stop at its next step (the worker is shutting down). */
  stop(reason: StopReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  async run(): Promise<JobOutcome> {
    const heartbeat = setInterval(() => void this.beat(), this.deps.heartbeatMs);
    try {
      if (this.deps.stages.length === 0) {
        throw new JobError("NO_PIPELINE", "this worker has no generation stages installed", false);
      }
      for (const stage of this.deps.stages) await this.runStage(stage, stage === this.deps.stages[0]);
      await this.deps.queue.complete(this.lease, this.outputs.video, { stageMs: this.timings });
      observeTerminal("SUCCEEDED");
      observeStages(this.timings);
      this.log.info("job succeeded");
      return "succeeded";
    } catch (error) {
      return await this.settle(error);
    } finally {
      clearInterval(heartbeat);
      for (const cleanup of this.cleanups.reverse()) await cleanup().catch((error) => this.log.warn({ err: error }, "cleanup failed"));
    }
  }

  private async runStage(stage: Stage, first: boolean): Promise<void> {
    this.throwIfStopped();
    this.stage = stage.stage;
    // The claim already moved the job into the first stage.
    if (!first) await this.write({ stage: stage.stage });
    const started = performance.now();
    let rate: { at: number; steps: number } | null = null;
    const ctx: StageContext = {
      job: this.job,
      signal: this.controller.signal,
      outputs: this.outputs,
      log: this.log.child({ stage: stage.stage }),
      throwIfStopped: () => this.throwIfStopped(),
      checkpoint: async (key, step) => {
        try {
          return await this.deps.queue.checkpoint(this.lease, key, step);
        } catch (error) {
          if (error instanceof LeaseLostError) this.stop("lease-lost");
          throw error;
        }
      },
      onCleanup: (cleanup) => void this.cleanups.push(cleanup),
      progress: async (update: StageProgress) => {
        this.throwIfStopped();
        const steps = update.stepsCompleted;
        let eta = update.etaSeconds;
        if (eta === undefined && steps !== undefined) {
          // Estimate from this stage's own step rate, so a resumed job does not count restored steps.
          rate ??= { at: performance.now(), steps };
          const done = steps - rate.steps;
          if (done > 0) eta = Math.ceil(((performance.now() - rate.at) / done) * (this.job.stepBudget - steps) / 1000);
        }
        const progress: Record<string, unknown> = {};
        if (eta !== undefined) progress.etaSeconds = eta;
        if (update.previewKey !== undefined) progress.previewKey = update.previewKey;
        await this.write({ stage: stage.stage, stepsCompleted: steps, progress, metadata: update.metadata });
        this.throwIfStopped();
      },
    };
    await stage.run(ctx);
    this.timings[stage.stage] = Math.round(performance.now() - started);
  }

  private async write(write: Parameters<JobQueue["progress"]>[1]): Promise<void> {
    try {
      const { cancelRequested } = await this.deps.queue.progress(this.lease, write, this.job.stepBudget);
      if (cancelRequested) this.stop("cancelled");
    } catch (error) {
      if (error instanceof LeaseLostError) this.stop("lease-lost");
      throw error;
    }
  }

  private throwIfStopped(): void {
    const signal = this.controller.signal;
    if (signal.aborted) throw new StopError(signal.reason as StopReason);
  }

  private async beat(): Promise<void> {
    try {
      const { cancelRequested } = await this.deps.queue.heartbeat(this.lease);
      if (cancelRequested) this.stop("cancelled");
    } catch (error) {
      if (error instanceof LeaseLostError) this.stop("lease-lost");
      else this.log.warn({ err: error }, "heartbeat failed; retrying on the next beat");
    }
  }

  /** Records how the job ended. A lost lease writes nothing: the job belongs to someone else now. */
  private async settle(error: unknown): Promise<JobOutcome> {
    const reason = this.controller.signal.aborted ? (this.controller.signal.reason as StopReason) : null;
    try {
      if (reason === "lease-lost" || error instanceof LeaseLostError) {
        leaseLosses.inc();
        this.log.warn("lease lost; leaving the job to its new owner");
        return "lease-lost";
      }
      if (reason === "cancelled") {
        await this.deps.queue.acknowledgeCancel(this.lease);
        observeTerminal("CANCELLED");
        this.log.info("job cancelled");
        return "cancelled";
      }
      if (reason === "shutdown") {
        await this.deps.queue.release(this.lease);
        this.log.info("job released for another worker");
        return "released";
      }
      if (error instanceof BlockedError) {
        // The message is generic on purpose: the category and the evidence are in the audit record.
        await this.deps.queue.block(this.lease, "CONTENT_BLOCKED", "The generated video did not pass the safety checks.", { postfilter: { category: error.category, ...error.audit } });
        observeTerminal("BLOCKED", "CONTENT_BLOCKED");
        postfilterBlocks.inc({ category: error.category });
        this.log.warn({ category: error.category }, "job blocked by the post-filter");
        return "blocked";
      }
      const failure = classifyError(error);
      const { status } = await this.deps.queue.fail(this.lease, this.job.attempts, failure);
      observeFailure(failure.code);
      if (status === "FAILED") observeTerminal("FAILED", failure.code);
      else if (status === "CANCELLED") observeTerminal("CANCELLED");
      this.log.warn({ code: failure.code, err: error, status }, "job failed");
      return status === "QUEUED" ? "retrying" : status === "CANCELLED" ? "cancelled" : "failed";
    } catch (writeError) {
      if (writeError instanceof LeaseLostError) {
        leaseLosses.inc();
        return "lease-lost";
      }
      this.log.error({ err: writeError }, "could not record how the job ended");
      throw writeError;
    }
  }
}
