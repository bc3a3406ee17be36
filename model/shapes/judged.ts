// One prompt generated through the repo's engine (as a job runs it: denoise, then VAE decode) and read by
// the level-2 judge: what demo.ts and guidance.ts measure, each over its own prompts, seeds and scales.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { judgeClip, type Judgement } from "../../eval/judge/judge.js";
import { decodeToRawFrames } from "../../src/engine/decode.js";
import { denoise } from "../../src/engine/denoise.js";
import type { Geometry } from "../../src/engine/geometry.js";
import type { LoadedModel } from "../../src/engine/runtime.js";
import type { ClipSpec } from "./dataset.js";

export interface JudgedRun { model: LoadedModel; geometry: Geometry; steps: number; guidance: number; scratchDir: string }

export async function generateAndJudge(run: JudgedRun, spec: ClipSpec, seed: number): Promise<Judgement> {
  const { model, geometry } = run;
  const latent = await denoise({
    model, prompt: spec.caption, seed, steps: run.steps, sampler: model.manifest.sampler.default,
    guidance: run.guidance, geometry, async onStep() {},
  });
  const raw = await decodeToRawFrames(model, latent, geometry, join(run.scratchDir, `${seed}.rgb`));
  return judgeClip({ rgb: new Uint8Array(await readFile(raw.path)), width: raw.width, height: raw.height, frames: raw.count }, spec);
}
