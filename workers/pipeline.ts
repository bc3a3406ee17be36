// The stage runner's contract: a pipeline is an ordered list of named stages over one typed job context.
// Stages (denoise, decode, post-filter, sign, upload) live in workers/stages/, one a file.
import type { RawFrames } from "../src/engine/decode.js";
import type { EncodedVideo } from "../src/engine/encode.js";
import type { PosterImage, SpritesheetImage } from "../src/engine/variants.js";
import type { Geometry } from "../src/engine/geometry.js";
import type { Model } from "../src/engine/runtime.js";
import type { JobStage } from "../src/jobs/states.js";
import type { Logger } from "../src/log.js";
import type { CheckpointRef, ClaimedJob } from "../src/queue/types.js";

/** What a delivered job hands to the API: the stored clip's object key (the API signs URLs for it). */
export interface DeliveredVideo {
  key: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  bytes: number;
  [key: string]: unknown;
}

/**
 * Values stages hand to later stages. Each stage issue adds its own optional fields here, so the
 * compiler checks producers against consumers.
 */
export interface PipelineOutputs {
  /** denoise: the final latent, its geometry and the model that made it */
  latent?: Float32Array;
  geometry?: Geometry;
  model?: Model;
  /** when denoising ended, and the key of its measured costs (the last stage records the tail) */
  denoisedAt?: number;
  costKey?: string;
  /** decode: every frame as raw RGB (the post-filter scans these), and the encoded MP4 */
  frames?: RawFrames;
  encoded?: EncodedVideo;
  /** safety verdicts so far, for the content credentials (never the evidence itself) */
  safety?: Record<string, string>;
  /** signing: the verified content credentials of the signed file (now `encoded.path`) */
  provenance?: ProvenanceSummary;
  /** signing, second half: the poster and spritesheet, signed (their paths are the signed files) */
  variants?: { poster: PosterImage & { provenance: ProvenanceSummary }; spritesheet: SpritesheetImage & { provenance: ProvenanceSummary } };
  /** the last stage: the stored clip */
  video?: DeliveredVideo;
}

export interface ProvenanceSummary { state: string; issuer: string | null; signedAt: string | null; claimGenerator: string | null; actions: string[] }

export interface StageProgress {
  /** denoising steps done so far (the k of "step k/N"); also what a resumed job starts from */
  stepsCompleted?: number;
  /** seconds left for the whole job; when omitted, the runner estimates it from the step rate */
  etaSeconds?: number;
  /** object key of the latest preview image */
  previewKey?: string;
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
  /** Points the job at a checkpoint just stored under `key` (fenced by the lease). */
  checkpoint(key: string, step: number): Promise<CheckpointRef>;
  /** Registers work to run when the job ends, however it ends (temporary files). */
  onCleanup(cleanup: () => Promise<void>): void;
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
