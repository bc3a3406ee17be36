// Training pairs for a decoder that knows the DiT's errors (model/shapes/decoder_dit.py): for each clip of the
// training stream, its ground truth rendered at level 2's geometry (2 s, the model's generated frames), encoded by the
// model's own encoder, noised to step k of the sampler's grid with the seed's noise, and denoised by the engine from
// there (judged.ts's truthCheckpoint, as probe.ts does); the pair is the final latent and the truth's frames. k runs
// over --from-step..29 in turn: low noise, where the DiT keeps the truth's layout (stage 5's pairs: the judge reads 89%
// of a clip's truth in the result from k 20, 97% from k 29), so latent and frames differ in how the DiT draws, not what.
// Writes PREFIX.lat (float32 [N, C, T, H, W]), PREFIX.rgb (uint8 [N, F, H, W, 3]) and PREFIX.json (shapes, k and the
// judge's accuracy per pair).
// make-pairs.ts is its command line.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAutoencoder } from "../../eval/quality/ceiling.js";
import { EVAL_JOB, freeStepBudget } from "../../eval/quality/generate.js";
import { latentSize } from "../../src/engine/denoise.js";
import { geometryFor } from "../../src/engine/geometry.js";
import { LoadedModel } from "../../src/engine/runtime.js";
import { renderClip, sampleClip } from "./dataset.js";
import { generateJudged, truthCheckpoint } from "./judged.js";

export interface PairsOptions { model: string; count: number; out: string; start: number; fromStep: number }

export async function writeDecoderPairs(o: PairsOptions): Promise<{ ks: number[]; accuracies: number[] }> {
  const steps = freeStepBudget(); // the grid level 2 samples
  if (!Number.isInteger(o.fromStep) || o.fromStep < 1 || o.fromStep >= steps) throw new Error(`--from-step: a whole step in 1..${steps - 1}`);
  if (!Number.isInteger(o.count) || o.count < 1) throw new Error("--count: a whole number of pairs, at least 1");
  const model = await LoadedModel.load(o.model, "cpu", 1);
  const ae = await openAutoencoder(o.model);
  const geometry = geometryFor(EVAL_JOB, model.manifest, "cpu");
  const dir = await mkdtemp(join(tmpdir(), "kinema-decoder-pairs-"));
  const run = { model, geometry, steps, guidance: model.manifest.sampler.guidanceScale, scratchDir: dir };
  const frames = geometry.generatedFrames ?? geometry.frames, size = latentSize(geometry);
  const frameBytes = frames * geometry.height * geometry.width * 3;
  const latents = new Float32Array(o.count * size), rgb = new Uint8Array(o.count * frameBytes);
  const ks: number[] = [], accuracies: number[] = [];
  try {
    for (let i = 0; i < o.count; i++) {
      const index = o.start + i, seed = index + 1, k = o.fromStep + (i % (steps - o.fromStep));
      const spec = sampleClip(index);
      const truthRgb = renderClip(spec, { width: geometry.width, height: geometry.height, frames });
      const truth = (await ae.encode(truthRgb, frames)).data;
      const { latent, judgement } = await generateJudged(run, spec, seed, truthCheckpoint(run, seed, truth, k));
      latents.set(latent, i * size);
      rgb.set(truthRgb, i * frameBytes);
      ks.push(k);
      accuracies.push(judgement.accuracy);
    }
  } finally {
    await model.release();
    await ae.release();
    await rm(dir, { recursive: true, force: true });
  }
  await writeFile(`${o.out}.lat`, Buffer.from(latents.buffer));
  await writeFile(`${o.out}.rgb`, Buffer.from(rgb.buffer));
  await writeFile(`${o.out}.json`, JSON.stringify({
    model: `${model.manifest.id} ${model.manifest.version}`, modelHash: model.hash, count: o.count, start: o.start, latent: geometry.latent,
    frames, height: geometry.height, width: geometry.width, ks, accuracies,
  }));
  return { ks, accuracies };
}
