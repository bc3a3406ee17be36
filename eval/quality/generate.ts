// Generating the golden clips through the engine itself (no queue, no API): the repo's loader, the cpu
// profile (2 s at 8 fps: 16 frames at the model's CPU bucket), the manifest's sampler and guidance, a
// fixed seed per prompt, and the production VAE decode. Each clip is scored as soon as it exists (judge,
// features, flicker) and its frames dropped, so memory stays flat however many runs there are.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderClip, type ClipSpec } from "../../model/shapes/dataset.js";
import { loadConfig } from "../../src/config/config.js";
import { decodeToRawFrames } from "../../src/engine/decode.js";
import { denoise } from "../../src/engine/denoise.js";
import { geometryFor, type Geometry } from "../../src/engine/geometry.js";
import { LoadedModel } from "../../src/engine/runtime.js";
import type { ClipFrames, Judgement } from "../judge/judge.js";
import { FEATURE_FRAMES, FEATURE_HEIGHT, FEATURE_WIDTH, type FeatureExtractor } from "./features.js";
import type { GoldenClip } from "./golden.js";
import { flicker, resizeFrames } from "./metrics.js";

export type JudgeFn = (clip: ClipFrames, spec: ClipSpec) => Judgement;

/** the eval's job: the FREE tier's clip length; resolution does not matter on the cpu profile */
export const EVAL_JOB = { resolution: "R480P", durationSeconds: 2, fps: 8 } as const;

/** the FREE tier's step budget (KINEMA_FREE_STEPS): the grid level 2 judges at, and that the model tools sample */
export const freeStepBudget = (): number => loadConfig({ ...process.env }).tiers.FREE.stepBudget;

export interface ModelInfo { dir: string; id: string; version: string; trained: boolean; hash: string; width: number; height: number; sampler: string; guidance: number }

export interface ClipResult {
  index: number;
  caption: string;
  judgement: Judgement;
  /** not written to the report: only their statistics matter */
  features: Float64Array;
  flicker: number;
  /** generation (denoise + decode) time; 0 for rendered clips */
  ms: number;
}

export interface SetResult {
  label: string;
  model: ModelInfo | null;
  steps: number | null;
  clips: ClipResult[];
  wallMs: number;
}

export interface Scorer { judge: JudgeFn; extractor: FeatureExtractor }

/** Judge at the clip's own size; features and flicker at 112x64, the same for every model. */
export async function scoreClip(scorer: Scorer, clip: ClipFrames, golden: GoldenClip, ms: number): Promise<ClipResult> {
  if (clip.frames !== FEATURE_FRAMES) throw new Error(`clip ${golden.index} has ${clip.frames} frames; the eval compares ${FEATURE_FRAMES}`);
  const small = resizeFrames(clip.rgb, clip.width, clip.height, clip.frames, FEATURE_WIDTH, FEATURE_HEIGHT);
  return {
    index: golden.index, caption: golden.caption, judgement: scorer.judge(clip, golden.spec),
    features: await scorer.extractor.extract(small), flicker: flicker(small, clip.frames), ms,
  };
}

/** The ground truth: each spec rendered by the dataset code at 112x64, 16 frames. */
export async function scoreRendered(scorer: Scorer, clips: readonly GoldenClip[], label: string): Promise<SetResult> {
  const started = performance.now();
  const results: ClipResult[] = [];
  for (const golden of clips) {
    const size = { width: FEATURE_WIDTH, height: FEATURE_HEIGHT, frames: FEATURE_FRAMES };
    results.push(await scoreClip(scorer, { rgb: renderClip(golden.spec, size), ...size }, golden, 0));
  }
  return { label, model: null, steps: null, clips: results, wallMs: performance.now() - started };
}

/** `threads`: onnxruntime's intra-op threads (default: all cores, as level 2 runs alone). */
export async function loadModel(dir: string, threads?: number): Promise<{ model: LoadedModel; info: ModelInfo }> {
  const model = await LoadedModel.load(dir, "cpu", threads);
  const { manifest } = model;
  const geometry = geometryFor(EVAL_JOB, manifest, "cpu");
  return {
    model,
    info: {
      dir, id: manifest.id, version: manifest.version, trained: manifest.trained, hash: model.hash,
      width: geometry.width, height: geometry.height, sampler: manifest.sampler.default, guidance: manifest.sampler.guidanceScale,
    },
  };
}

export interface GenerateOptions {
  label: string;
  steps: number;
  /** called after each clip, for a progress line */
  onClip?: (done: number, total: number) => void;
}

/** One golden prompt at its fixed seed through denoise and the production decode, at `geometry` (level 2's
 * 2 s job, or another duration: eval/quality/durations.ts); `dir` holds the raw frames file meanwhile. */
export async function generateFrames(model: LoadedModel, golden: GoldenClip, geometry: Geometry, steps: number, dir: string): Promise<ClipFrames> {
  const latent = await denoise({
    model, prompt: golden.caption, seed: golden.seed, steps,
    sampler: model.manifest.sampler.default, guidance: model.manifest.sampler.guidanceScale, geometry,
    onStep: async () => {},
  });
  const raw = await decodeToRawFrames(model, latent, geometry, join(dir, `${golden.index}.rgb`));
  const rgb = new Uint8Array(await readFile(raw.path));
  await rm(raw.path, { force: true });
  return { rgb, width: raw.width, height: raw.height, frames: raw.count };
}

export async function generateSet(model: LoadedModel, info: ModelInfo, scorer: Scorer, clips: readonly GoldenClip[], options: GenerateOptions): Promise<SetResult> {
  const started = performance.now();
  const geometry = geometryFor(EVAL_JOB, model.manifest, "cpu");
  const dir = await mkdtemp(join(tmpdir(), "kinema-level2-"));
  const results: ClipResult[] = [];
  try {
    for (const golden of clips) {
      const began = performance.now();
      const clip = await generateFrames(model, golden, geometry, options.steps, dir);
      results.push(await scoreClip(scorer, clip, golden, performance.now() - began));
      options.onClip?.(results.length, clips.length);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { label: options.label, model: info, steps: options.steps, clips: results, wallMs: performance.now() - started };
}
