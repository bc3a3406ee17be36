// How much of issue 19's targets is in the model's own samples? Each golden prompt is generated at K seeds (its
// golden seed, then seed + 100,003 k) and each clip judged. Three figures per target: seed 0 alone (what level 2
// reads), an oracle keeping each prompt's best-judged seed (the upper bound of any best-of-K search: a sampler that
// draws K clips and keeps one cannot do better than this), and the DiT's own pick, the seed whose final latent the
// prompt explains best: the implicit classifier sum_t (L_uncond - L_cond), the flow losses of the clean latent
// re-noised at a few times with noise shared by the K candidates (a diffusion classifier; nothing but the model).
// If the oracle misses a target, no search over seeds reaches it; the model has to change. Prints one JSON line.
//   node --import tsx model/shapes/headroom.ts --model DIR [--seeds 6] [--prompts 48] [--steps 30]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Judgement } from "../../eval/judge/judge.js";
import { alignmentOf } from "../../eval/quality/figures.js";
import { loadShapesGolden, subsample, type GoldenClip } from "../../eval/quality/golden.js";
import { multiShapeOf, targetsCleared } from "../../eval/quality/targets.js";
import { initialNoise, latentSize } from "../../src/engine/denoise.js";
import { geometryFor, type Geometry } from "../../src/engine/geometry.js";
import { Rng } from "../../src/engine/rng.js";
import { LoadedModel } from "../../src/engine/runtime.js";
import { tokenize } from "../../src/engine/tokenizer.js";
import { generateJudged } from "./judged.js";

/** the re-noising times of the DiT's own pick (spread over the path; a check of subsets picked no better) */
const VERIFY_TIMES = [0.2, 0.35, 0.5, 0.65, 0.8, 0.95];
const SEED_STRIDE = 100_003;

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    seeds: { type: "string", default: "6" },
    prompts: { type: "string", default: "48" },
    steps: { type: "string", default: "30" },
  },
});
const seeds = Number(values.seeds), steps = Number(values.steps);
if (!Number.isInteger(seeds) || seeds < 2) throw new Error("--seeds: a whole number, at least 2");
const model = await LoadedModel.load(values.model!, "cpu", 1);
const { manifest } = model;
const geometry = geometryFor({ resolution: "R480P", durationSeconds: 2, fps: 8 }, manifest, "cpu"); // level 2's job
const clips = subsample(loadShapesGolden().clips, Number(values.prompts));

/** sum over VERIFY_TIMES of the unconditional minus the conditional flow loss (velocity target noise - x0) */
async function promptFit(golden: GoldenClip, latent: Float32Array, g: Geometry): Promise<number> {
  const L = manifest.tokenizer.maxLength, size = latentSize(g);
  const ids = new BigInt64Array(2 * L), mask = new Int32Array(2 * L);
  for (const [i, caption] of ["", golden.caption].entries()) {
    const t = tokenize(caption, manifest.tokenizer);
    ids.set(t.ids, i * L);
    mask.set(t.mask, i * L);
  }
  const text = await model.encodeText(ids, 2);
  let fit = 0;
  for (const [j, t] of VERIFY_TIMES.entries()) {
    // the same noise for every candidate of a prompt: their losses differ by the latent alone
    const noise = initialNoise(Rng.fromSeed(golden.seed * 16 + j), g.latent, manifest.sampler.frameSharedNoise ?? 0);
    const batch = new Float32Array(2 * size);
    for (let i = 0; i < size; i++) batch[i] = batch[size + i] = (1 - t) * latent[i]! + t * noise[i]!;
    const out = (await model.denoise({ data: batch, dims: [2, ...g.latent] }, new Float32Array([t, t]), text, mask)).data;
    for (let i = 0; i < size; i++) {
      const target = noise[i]! - latent[i]!, u = out[i]! - target, c = out[size + i]! - target;
      fit += (u * u - c * c) / size;
    }
  }
  return fit;
}

function figures(judgements: Judgement[]) {
  const a = alignmentOf(judgements), multiShape = multiShapeOf(judgements), r = (x: number) => Math.round(x * 1000) / 1000;
  const cleared = targetsCleared({ alignment: a, multiShape });
  return {
    accuracy: r(a.accuracy), score: r(a.score), color: r(a.attributes.color), kind: r(a.attributes.kind), motion: r(a.attributes.motion),
    multiShapeFullyRight: r(multiShape.share), digits: r(a.digits.accuracy ?? 0),
    missed: Object.entries(cleared).filter(([, ok]) => !ok).map(([name]) => name),
  };
}

const dir = await mkdtemp(join(tmpdir(), "kinema-headroom-"));
const run = { model, geometry, steps, guidance: manifest.sampler.guidanceScale, scratchDir: dir };
const first: Judgement[] = [], oracle: Judgement[] = [], own: Judgement[] = [];
const began = performance.now();
try {
  for (const golden of clips) {
    const candidates: { judgement: Judgement; fit: number }[] = [];
    for (let k = 0; k < seeds; k++) {
      const { latent, judgement } = await generateJudged(run, golden.spec, golden.seed + k * SEED_STRIDE);
      candidates.push({ judgement, fit: await promptFit(golden, latent, geometry) });
    }
    first.push(candidates[0]!.judgement);
    oracle.push(candidates.reduce((a, b) => (b.judgement.accuracy > a.judgement.accuracy ? b : a)).judgement);
    own.push(candidates.reduce((a, b) => (b.fit > a.fit ? b : a)).judgement);
    console.error(`${golden.index}: ${candidates.map((c) => c.judgement.accuracy.toFixed(2)).join(" ")}`);
  }
} finally {
  await model.release();
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({
  model: `${manifest.id} ${manifest.version}`, prompts: clips.length, seeds, steps, seconds: Math.round((performance.now() - began) / 1000),
  seed0: figures(first), oracleBestOfK: figures(oracle), ditPick: figures(own),
}));
