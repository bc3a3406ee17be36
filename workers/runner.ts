// The stage runner: runs one claimed job through the pipeline under its lease. It heartbeats, turns a
// cancel, a lost lease or a shutdown into a stop at the next step, and records how the job ended.
// Side effects follow the fenced write that makes them right: a job's intermediate objects are removed
// only after its terminal state has committed, and an object whose fenced reference (checkpoint,
// progress, completion) was refused is removed by the worker that wrote it (its key carries this
// lease's token, so it is nobody else's).
import { BlockedError, CheckpointRejectedError, JobError, LeaseLostError, classifyError } from "../src/queue/errors.js";
import { removeJobObjects } from "../src/storage/job-objects.js";
import type { ObjectStore } from "../src/storage/store.js";
import type { JobQueue } from "../src/queue/queue.js";
import type { ClaimedJob, Lease } from "../src/queue/types.js";
import type { JobStage } from "../src/jobs/states.js";
import type { Logger } from "../src/log.js";
import { leaseLosses, observeFailure, observeStages, observeTerminal, postfilterBlocks } from "../src/ops/metrics.js";
import { StopError, type DeliveredVideo, type PipelineOutputs, type Stage, type StageContext, type StageProgress, type StopReason } from "./pipeline.js";

export type JobOutcome = "succeeded" | "retrying" | "failed" | "blocked" | "cancelled" | "released" | "restarted" | "lease-lost";

export interface RunnerDeps {
  queue: JobQueue;
  stages: readonly Stage[];
  heartbeatMs: number;
  log: Logger;
  /** the store the stages write to; without it (test pipelines) the runner removes no objects */
  store?: ObjectStore;
}

export class JobRun {
  private readonly controller = new AbortController();
  private readonly lease: Lease;
  private readonly log: Logger;
  private stage: JobStage;
  private readonly outputs: PipelineOutputs = {};
  private readonly timings: Record<string, number> = {};
  private readonly cleanups: (() => Promise<void>)[] = [];
  private free!: () => void;
  /**
   * Resolves once the job no longer needs its worker: its stages are done and its completion is handed
   * to the queue (the worker may claim again while that statement is in flight), or run() has ended.
   */
  readonly freed = new Promise<void>((resolve) => (this.free = resolve));

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
      const video = this.outputs.video;
      const delivered = video ? deliveredKeys(video) : [];
      const completing = this.refusedRemoves(delivered, () => this.deps.queue.complete(this.lease, video, { stageMs: this.timings }));
      this.free();
      const { status } = await completing;
      if (status === "CANCELLED") {
        // Deleted while it ran (src/removal): nothing of it is delivered or kept, the clip and its images included.
        observeTerminal("CANCELLED");
        this.log.info("job deleted while it ran; its clip is not delivered");
        await this.removeObjects();
        return "cancelled";
      }
      observeTerminal("SUCCEEDED");
      observeStages(this.timings);
      this.log.info("job succeeded");
      await this.removeObjects(delivered);
      return "succeeded";
    } catch (error) {
      return await this.settle(error);
    } finally {
      clearInterval(heartbeat);
      for (const cleanup of this.cleanups.reverse()) await cleanup().catch((error) => this.log.warn({ err: error }, "cleanup failed"));
      this.free();
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
          return await this.refusedRemoves(key, () => this.deps.queue.checkpoint(this.lease, key, step));
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
        const write = { stage: stage.stage, stepsCompleted: steps, progress, metadata: update.metadata };
        // A step (with or without a stored preview; no metadata) takes the pipelined path: its event goes
        // out in a batch and the row follows every progressRowMs; nothing here waits for the database. A
        // preview's key reaches the row with the step's (a lease found lost at this step removes it; one
        // found lost later leaves it to the orphan sweep: a key of an older lease).
        await this.write(write, update.previewKey, steps !== undefined && update.metadata === undefined);
        this.throwIfStopped();
      },
    };
    await stage.run(ctx);
    // added up: SIGNING runs twice (the clip, then its variants)
    this.timings[stage.stage] = (this.timings[stage.stage] ?? 0) + Math.round(performance.now() - started);
  }

  /** A fenced progress write; `written` is an object the write refers to (a preview), removed if refused. */
  private async write(write: Parameters<JobQueue["progress"]>[1], written?: string, pipelined = false): Promise<void> {
    try {
      const queue = this.deps.queue;
      const { cancelRequested } = await this.refusedRemoves(written, () => pipelined
        ? queue.step(this.lease, write, this.job.stepBudget) : queue.progress(this.lease, write, this.job.stepBudget));
      if (cancelRequested) this.stop("cancelled");
    } catch (error) {
      if (error instanceof LeaseLostError) this.stop("lease-lost");
      throw error;
    }
  }

  /**
   * Runs a fenced write that refers to the object at `key`, which this lease has just stored. Refused
   * (the lease is gone), the row never pointed at the object and never will (its key has this lease's
   * token), so it is removed at once instead of lingering as an orphan.
   */
  private async refusedRemoves<T>(keys: string | string[] | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof LeaseLostError && keys !== undefined && this.deps.store) {
        for (const key of [keys].flat()) {
          await this.deps.store.delete(key).catch((e) => this.log.warn({ err: e, key }, "could not remove an object of a lost lease"));
        }
      }
      throw error;
    }
  }

  /**
   * After a terminal state has committed: removes every checkpoint, preview and temporary object of the
   * job but `keep` (the delivered clip). Never throws: the job's end is recorded, and what a failure here
   * leaves is the orphan sweep's (src/storage/orphans.ts).
   */
  private async removeObjects(keep: string[] = []): Promise<void> {
    if (!this.deps.store) return;
    try {
      const removed = await removeJobObjects(this.deps.store, this.job.id, new Set(keep));
      if (removed.length > 0) this.log.debug({ removed: removed.length }, "removed the job's intermediate objects");
    } catch (error) {
      this.log.warn({ err: error }, "could not remove the job's intermediate objects; the orphan sweep will");
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

  /**
   * Records how the job ended, in one precedence: a lost lease writes nothing (the job belongs to someone
   * else now); then a content block (whatever else arrived meanwhile: a blocked clip must end BLOCKED with
   * its audit, never CANCELLED or handed back to be made again); then the owner's cancel; then a shutdown
   * (handed back); then a failure. Every terminal write is followed by the removal of the job's objects.
   */
  private async settle(error: unknown): Promise<JobOutcome> {
    const reason = this.controller.signal.aborted ? (this.controller.signal.reason as StopReason) : null;
    try {
      if (reason === "lease-lost" || error instanceof LeaseLostError) {
        leaseLosses.inc();
        this.log.warn("lease lost; leaving the job to its new owner");
        return "lease-lost";
      }
      if (error instanceof BlockedError) {
        // The message is generic on purpose: the category and the evidence are in the audit record.
        await this.deps.queue.block(this.lease, "CONTENT_BLOCKED", "The generated video did not pass the safety checks.", { postfilter: { category: error.category, ...error.audit } });
        observeTerminal("BLOCKED", "CONTENT_BLOCKED");
        postfilterBlocks.inc({ category: error.category });
        this.log.warn({ category: error.category }, "job blocked by the post-filter");
        // Nothing of blocked content is kept (for a CSAM match, nothing may be): latents and previews go.
        await this.removeObjects();
        return "blocked";
      }
      if (reason === "cancelled") {
        await this.deps.queue.acknowledgeCancel(this.lease);
        observeTerminal("CANCELLED");
        this.log.info("job cancelled");
        await this.removeObjects();
        return "cancelled";
      }
      if (reason === "shutdown") {
        await this.deps.queue.release(this.lease);
        this.log.info("job released for another worker");
        return "released";
      }
      if (error instanceof CheckpointRejectedError) {
        await this.deps.queue.restart(this.lease, error.reason);
        this.log.warn({ reason: error.reason, checkpoint: this.job.checkpoint }, "checkpoint not resumable; the job restarts from step 0");
        return "restarted";
      }
      const failure = classifyError(error);
      const { status } = await this.deps.queue.fail(this.lease, this.job.attempts, failure);
      observeFailure(failure.code);
      if (status === "FAILED") observeTerminal("FAILED", failure.code);
      else if (status === "CANCELLED") observeTerminal("CANCELLED");
      this.log.warn({ code: failure.code, err: error, status }, "job failed");
      // A retry resumes from the checkpoint: only a terminal failure removes the objects.
      if (status !== "QUEUED") await this.removeObjects();
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

/** The keys a delivered job's row points at: the clip and, when made, its poster and spritesheet. */
function deliveredKeys(video: DeliveredVideo): string[] {
  const images = [video.poster, video.spritesheet] as Array<{ key?: unknown } | undefined>;
  return [video.key, ...images.flatMap((image) => (typeof image?.key === "string" ? [image.key] : []))];
}
