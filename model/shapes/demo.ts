// How often does a model show exactly what one prompt says? Generates the prompt over --seeds seeds through
// the repo's engine (as a FREE job does: its step budget, the "cpu" profile) and has the level-2 judge read each
// clip. Prints one line per seed and the count where background, colour, kind and motion are all right.
// The default is the README's demo prompt; --background/--color/--kind/--motion describe another one-shape
// prompt (the judge needs the ground truth; the x/y/size of the spec are not read by it).
//   node --import tsx model/shapes/demo.ts --model models/kinema-shapes [--seeds 16] [--steps N (the FREE budget)]
import { rm, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EVAL_JOB, freeStepBudget } from "../../eval/quality/generate.js";
import { geometryFor } from "../../src/engine/geometry.js";
import { LoadedModel } from "../../src/engine/runtime.js";
import { generateAndJudge, onePromptOptions, onePromptSpec, OnePromptTally } from "./judged.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    ...onePromptOptions,
    seeds: { type: "string", default: "16" },
    steps: { type: "string", default: String(freeStepBudget()) },
  },
});
const spec = onePromptSpec(values);
const prompt = spec.caption;

const model = await LoadedModel.load(values.model!, "cpu", 2);
const dir = await mkdtemp(join(tmpdir(), "kinema-demo-"));
const geometry = geometryFor(EVAL_JOB, model.manifest, "cpu");
const seeds = Number(values.seeds);
const tally = new OnePromptTally();
try {
  for (let seed = 1; seed <= seeds; seed++) {
    const run = { model, geometry, steps: Number(values.steps), guidance: model.manifest.sampler.guidanceScale, scratchDir: dir };
    const verdict = await generateAndJudge(run, spec, seed);
    console.log(tally.add(`seed ${seed}`, verdict));
  }
} finally {
  await model.release();
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ model: `${model.manifest.id} ${model.manifest.version}`, prompt, steps: Number(values.steps), seeds, ...tally.counts }));
