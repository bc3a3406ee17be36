// How much of issue 19's targets is in the model's own samples? Each golden prompt is generated at K seeds (its
// golden seed, then seed + 100,003 k) and each clip judged. Three figures per target: seed 0 alone (what level 2
// reads), an oracle keeping each prompt's best-judged seed (the upper bound of any best-of-K search: a sampler that
// draws K clips and keeps one cannot do better than this), and the DiT's own pick, the seed whose final latent the
// prompt explains best (prompt-fit.ts: the DiT's implicit classifier, re-noising draws shared by the K candidates).
// If the oracle misses a target, no search over seeds reaches it; the model has to change. Prints one JSON line.
//   node --import tsx model/shapes/headroom.ts --model DIR [--seeds 6] [--prompts 48] [--steps N (the FREE budget)]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Judgement } from "../../eval/judge/judge.js";
import { alignmentOf } from "../../eval/quality/figures.js";
import { EVAL_JOB, freeStepBudget } from "../../eval/quality/generate.js";
import { loadShapesGolden, subsample } from "../../eval/quality/golden.js";
import { multiShapeOf, targetsCleared } from "../../eval/quality/targets.js";
import { geometryFor } from "../../src/engine/geometry.js";
import { LoadedModel } from "../../src/engine/runtime.js";
import { generateJudged } from "./judged.js";
import { promptFits } from "./prompt-fit.js";

const SEED_STRIDE = 100_003;

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    seeds: { type: "string", default: "6" },
    prompts: { type: "string", default: "48" },
    steps: { type: "string", default: String(freeStepBudget()) },
  },
});
const seeds = Number(values.seeds), steps = Number(values.steps);
if (!Number.isInteger(seeds) || seeds < 2) throw new Error("--seeds: a whole number, at least 2");
if (!Number.isInteger(steps) || steps < 1) throw new Error("--steps: a whole number of sampler steps");
const model = await LoadedModel.load(values.model!, "cpu", 1);
const { manifest } = model;
const geometry = geometryFor(EVAL_JOB, manifest, "cpu"); // level 2's job
const clips = subsample(loadShapesGolden().clips, Number(values.prompts));

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
    const made = [];
    for (let k = 0; k < seeds; k++) made.push(await generateJudged(run, golden.spec, golden.seed + k * SEED_STRIDE));
    const fits = await promptFits(model, golden.caption, made.map((m) => m.latent), geometry, golden.seed);
    const candidates = made.map((m, k) => ({ judgement: m.judgement, fit: fits[k]! }));
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
