// The denoising loop: text encoding (conditional and unconditional, or negative, in one batch), seeded initial
// noise or a checkpoint to resume from, then one guided DiT evaluation and one sampler step per step,
// with a non-finite check after every step. The caller's onStep reports progress, writes checkpoints
// and stops the loop (by throwing) on cancel.
import { JobError } from "../queue/errors.js";
import type { Checkpoint } from "./checkpoint.js";
import type { Geometry } from "./geometry.js";
import { guide, hasNonFinite } from "./numerics.js";
import { Rng, type RngState } from "./rng.js";
import type { Model } from "./runtime.js";
import { samplerStep, timeGrid, type SamplerName } from "./sampler.js";
import { tokenize } from "./tokenizer.js";

export interface DenoiseRequest {
  model: Model;
  prompt: string;
  /** encoded in the unconditional slot instead of "" (the caller checks the model supports it) */
  negativePrompt?: string | null;
  seed: number;
  steps: number;
  sampler: SamplerName;
  guidance: number;
  geometry: Geometry;
  /** a checkpoint of this same request to continue from */
  resume?: Checkpoint | null;
  onStep(step: number, latent: Float32Array, rng: RngState, stepMs: number): Promise<void>;
  /**
   * Given (a worker's loop): while it answers true, the next step's model call starts before onStep
   * runs, so onStep's work (progress, events, checkpoint and preview writes) overlaps the model instead
   * of adding to every step. onStep still sees `latent` unchanged (the next sampler update waits for
   * it); a step it stops (by throwing) leaves the call in flight finished and its result dropped.
   */
  lookAhead?: () => boolean;
}

export function latentSize(geometry: Geometry): number {
  return geometry.latent.reduce((a, b) => a * b, 1);
}

/** Whether a checkpoint was made by this very request (same model, sampler, guidance, steps and shape).
 * One at the last step (a drain's) resumes to zero steps left: the latent is final. */
export function resumable(c: Checkpoint, r: Pick<DenoiseRequest, "model" | "sampler" | "guidance" | "steps" | "geometry">): boolean {
  return c.modelHash === r.model.hash && c.sampler === r.sampler && c.guidance === r.guidance && c.totalSteps === r.steps
    && c.shape.join("x") === r.geometry.latent.join("x") && c.step <= c.totalSteps;
}

/** Seeded starting noise for a [C, T, H, W] latent: each frame's own draw, mixed with one draw shared by
 * every frame when the model was trained that way (variance `shared` common, 1 - shared own). */
export function initialNoise(rng: Rng, shape: readonly number[], shared: number): Float32Array {
  const own = rng.normal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
  if (shared <= 0) return own;
  const [c, t, h, w] = shape as [number, number, number, number];
  const common = rng.normal(new Float32Array(c * h * w));
  const a = Math.sqrt(1 - shared), b = Math.sqrt(shared);
  for (let ci = 0; ci < c; ci++) {
    for (let ti = 0; ti < t; ti++) {
      const at = (ci * t + ti) * h * w, from = ci * h * w;
      for (let i = 0; i < h * w; i++) own[at + i] = a * own[at + i]! + b * common[from + i]!;
    }
  }
  return own;
}

export async function denoise(r: DenoiseRequest): Promise<Float32Array> {
  const { manifest } = r.model;
  const cond = tokenize(r.prompt, manifest.tokenizer);
  // Guidance moves from the unconditional encoding towards the prompt's: from the negative prompt's when
  // there is one, so the result moves away from what it describes.
  const uncond = tokenize(r.negativePrompt ?? "", manifest.tokenizer);
  const length = manifest.tokenizer.maxLength;
  const ids = new BigInt64Array(2 * length);
  ids.set(uncond.ids, 0);
  ids.set(cond.ids, length);
  const mask = new Int32Array(2 * length);
  mask.set(uncond.mask, 0);
  mask.set(cond.mask, length);
  const text = await r.model.encodeText(ids, 2);

  const size = latentSize(r.geometry);
  let rng: Rng;
  let latent: Float32Array;
  let start = 0;
  if (r.resume) {
    rng = Rng.fromState(r.resume.rng);
    latent = r.resume.latent;
    start = r.resume.step;
  } else {
    rng = Rng.fromSeed(r.seed);
    latent = initialNoise(rng, r.geometry.latent, manifest.sampler.frameSharedNoise ?? 0);
  }

  const grid = timeGrid(r.sampler, r.steps, manifest.prediction, manifest.sampler.flowShift);
  const guided = new Float32Array(size);
  const dims = [2, ...r.geometry.latent];
  // A step's time runs from its call's start (the batch's copy included) to its NaN check: with the
  // look-ahead, that is the wall time between two steps' ends (the call may wait behind the step before
  // it, and its result waits for that step's onStep), which is what ETAs and the step metric want.
  const call = (i: number): Step => {
    const began = performance.now();
    const t = grid[i]!;
    // A new batch every step: the model takes it (a threaded model transfers its buffer away).
    const batch = new Float32Array(2 * size);
    batch.set(latent, 0);
    batch.set(latent, size);
    const out = r.model.denoise({ data: batch, dims }, new Float32Array([t, t]), text, mask);
    out.catch(() => {}); // awaited later, maybe after it failed: not an unhandled rejection meanwhile
    return { began, out };
  };
  let next: Step | null = start < r.steps ? call(start) : null;
  for (let i = start; i < r.steps; i++) {
    const { began, out } = next ?? call(i);
    next = null;
    samplerStep(r.sampler, manifest.prediction, latent, guide((await out).data, r.guidance, guided), grid[i]!, grid[i + 1]!);
    if (hasNonFinite(latent)) {
      throw new JobError("NAN_DETECTED", `non-finite values in the latent after step ${i + 1}`, true, { maxAttempts: 2, avoidWorker: true });
    }
    const stepMs = performance.now() - began;
    if (i + 1 < r.steps && r.lookAhead?.()) next = call(i + 1);
    try {
      await r.onStep(i + 1, latent, rng.state, stepMs);
    } catch (error) {
      await next?.out.catch(() => {}); // nothing of this request is left running when it ends
      throw error;
    }
  }
  return latent;
}

/** A model call under way: when it started, and its result. */
interface Step { began: number; out: Promise<Awaited<ReturnType<Model["denoise"]>>> }
