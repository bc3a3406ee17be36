// The stage runner's contract: a pipeline is an ordered list of named stages over one typed job context.
// Stages (denoise, decode, post-filter, sign, upload) live in workers/stages/, one a file.
import type { JobStage } from "../src/jobs/states.js";
import type { Logger } from "../src/log.js";
import type { ClaimedJob } from "../src/queue/types.js";

/** What a delivered job hands to the API: the stored clip. Later stages fill it. */
export interface DeliveredVideo {
  url: string;
  expiresAt: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  bytes: number;
  [key: string]: unknown;
}

/**
 * Values stages hand to later stages. Each stage issue adds its own optional fields here (latents,
 * frames, the signed file...), so the compiler checks producers against consumers.
 */
export interface PipelineOutputs {
  video?: DeliveredVideo;
}

export interface StageProgress {
  /** denoising steps done so far (the k of "step k/N"); also what a resumed job starts from */
  stepsCompleted?: number;
  /** seconds left for the whole job; when omitted, the runner estimates it from the step rate */
  etaSeconds?: number;
  previewUrl?: string;
  /** kept on the job (timings, counts) */
  metadata?: Record<string, unknown>;
}

export interface StageContext {
  readonly job: ClaimedJob;
  /** aborted when the job must stop: its owner cancelled it, the lease was lost, or the worker is shutting down */
  readonly signal: AbortSignal;
  readonly outputs: PipelineOutputs;
  readonly log: Logger;
  /** Writes progress through the lease (fenced) and publishes it. Throws StopError when the job must stop. */
  progress(update: StageProgress): Promise<void>;
  /** Throws StopError when the job must stop; for work that has no progress to report. */
  throwIfStopped(): void;
}

export interface Stage {
  /** the stage clients see while this runs */
  readonly stage: JobStage;
  run(ctx: StageContext): Promise<void>;
}

export type StopReason = "cancelled" | "lease-lost" | "shutdown";

/** Thrown inside a stage to unwind it when the job must stop; the runner decides what that means. */
export class StopError extends Error {
  constructor(readonly reason: StopReason) {
    super(`job stopped: ${reason}`);
    this.name = "StopError";
  }
}
