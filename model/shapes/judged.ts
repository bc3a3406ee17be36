// One prompt generated through the repo's engine (as a job runs it: denoise, then VAE decode) and read by
// the level-2 judge: what demo.ts and guidance.ts measure, each over its own prompts, seeds and scales, and
// what probe.ts measures when the generation starts part-way from the clip's noised ground truth.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { judgeClip, type Judgement } from "../../eval/judge/judge.js";
import type { Checkpoint } from "../../src/engine/checkpoint.js";
import { decodeToRawFrames } from "../../src/engine/decode.js";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import { denoise, initialNoise } from "../../src/engine/denoise.js";
import type { Geometry } from "../../src/engine/geometry.js";
import { Rng } from "../../src/engine/rng.js";
import type { LoadedModel } from "../../src/engine/runtime.js";
import { timeGrid } from "../../src/engine/sampler.js";
import { captionFor, type ClipSpec, type ColorName, type Kind, type Motion, type ShapeSpec } from "./dataset.js";

export interface JudgedRun { model: LoadedModel; geometry: Geometry; steps: number; guidance: number; scratchDir: string }

export async function generateAndJudge(run: JudgedRun, spec: ClipSpec, seed: number, resume?: Checkpoint): Promise<Judgement> {
  return (await generateJudged(run, spec, seed, resume)).judgement;
}

/** generateAndJudge, with the final latent too (headroom.ts scores it with the DiT itself). */
export async function generateJudged(run: JudgedRun, spec: ClipSpec, seed: number, resume?: Checkpoint): Promise<{ latent: Float32Array; judgement: Judgement }> {
  const { model, geometry } = run;
  const latent = await denoise({
    model, prompt: spec.caption, seed, steps: run.steps, sampler: model.manifest.sampler.default,
    guidance: run.guidance, geometry, resume, async onStep() {},
  });
  const raw = await decodeToRawFrames(model, latent, geometry, join(run.scratchDir, `${seed}.rgb`));
  const judgement = judgeClip({ rgb: new Uint8Array(await readFile(raw.path)), width: raw.width, height: raw.height, frames: raw.count }, spec);
  return { latent, judgement };
}

/**
 * The rest of a generation from step `from` of the sampler's grid, handed the clip's own ground truth noised to
 * that step's time t: x_t = (1 - t) x0 + t noise, x0 the truth's latent (`truth`, from the model's encoder at
 * the geometry's frames), the noise the one the engine draws for the seed. As if resuming a checkpoint at that
 * step; from step 0 (t = 1) it is plain generation. model/shapes/probe.ts: at which noise a kind gets lost.
 */
export async function denoiseFromTruth(run: JudgedRun, spec: ClipSpec, seed: number, truth: Float32Array, from: number): Promise<Judgement> {
  return generateAndJudge(run, spec, seed, truthCheckpoint(run, seed, truth, from));
}

/** The checkpoint denoiseFromTruth resumes: the truth noised to step `from`'s time with the seed's own noise. */
export function truthCheckpoint(run: JudgedRun, seed: number, truth: Float32Array, from: number): Checkpoint {
  const { model, geometry } = run, { manifest } = model;
  const sampler = manifest.sampler.default;
  const t = timeGrid(sampler, run.steps, manifest.prediction, manifest.sampler.flowShift)[from]!;
  const rng = Rng.fromSeed(seed); // then the state denoise would carry on from
  const noise = initialNoise(rng, geometry.latent, manifest.sampler.frameSharedNoise ?? 0);
  if (truth.length !== noise.length) throw new Error(`a ${truth.length}-value truth for a ${geometry.latent.join("x")} latent`);
  const latent = Float32Array.from(noise, (n, i) => (1 - t) * truth[i]! + t * n);
  return { step: from, totalSteps: run.steps, sampler, guidance: run.guidance, modelHash: model.hash, shape: geometry.latent, rng: rng.state, latent };
}

// One-shape prompts (demo.ts, judge-video.ts): the options that describe one, its spec, and how a clip reads.
export const onePromptOptions = {
  background: { type: "string", default: "blue" },
  color: { type: "string", default: "red" },
  kind: { type: "string", default: "circle" },
  motion: { type: "string", default: "moving left" },
} as const;

/** The dataset's own caption for the prompt (first template: "... on a <colour> background"), with its ground
 * truth for the judge (the x/y/size of the spec are not read by it). */
export function onePromptSpec(v: { background?: string; color?: string; kind?: string; motion?: string }): ClipSpec {
  const shapes: ShapeSpec[] = [{ kind: v.kind as Kind, color: v.color as ColorName, motion: v.motion as Motion, x: 0.5, y: 0.5, size: 0.2 }];
  return { index: -1, caption: captionFor(shapes, v.background as ColorName), background: v.background as ColorName, shapes };
}

/** Counts what one-shape judgements got right; `add` returns the clip's line. */
export class OnePromptTally {
  readonly counts = { background: 0, color: 0, kind: 0, motion: 0, exact: 0 };

  add(label: string, verdict: Judgement): string {
    const shape = verdict.shapes[0]!;
    const row = { background: verdict.backgroundOk, color: shape.colorOk, kind: shape.kindOk, motion: shape.motionOk };
    const exact = Object.values(row).every(Boolean);
    for (const [k, ok] of Object.entries(row)) this.counts[k as keyof typeof row] += Number(ok);
    this.counts.exact += Number(exact);
    return `${label}: background ${verdict.background ?? "?"}, shape ${shape.found ? `${shape.kind ?? "?"} ${shape.motion ?? "?"}` : "not found"}${exact ? "  <- exactly the prompt" : ""}`;
  }
}

/** A delivered MP4 read by the judge: ffmpeg brings it back to the model's 112x64 at 8 fps (the judge's geometry). */
export function judgeVideoFile(file: string, spec: ClipSpec): { frames: number; verdict: Judgement } {
  const [width, height] = [112, 64];
  const rgb = execFileSync(ffmpegPath(), ["-v", "error", "-i", file, "-vf", `fps=8,scale=${width}:${height}:flags=area`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], { maxBuffer: 1 << 28 });
  const frames = rgb.length / (width * height * 3);
  return { frames, verdict: judgeClip({ rgb: new Uint8Array(rgb), width, height, frames }, spec) };
}
