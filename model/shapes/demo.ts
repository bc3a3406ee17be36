// How often does a model show exactly what one prompt says? Generates the prompt over --seeds seeds through
// the repo's engine (as a FREE job does: 30 steps, the "cpu" profile) and has the level-2 judge read each
// clip. Prints one line per seed and the count where background, colour, kind and motion are all right.
// The default is the README's demo prompt; --background/--color/--kind/--motion describe another one-shape
// prompt (the judge needs the ground truth; the x/y/size of the spec are not read by it).
//   node --import tsx model/shapes/demo.ts --model models/kinema-shapes [--seeds 16] [--steps 30]
import { rm, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { geometryFor } from "../../src/engine/geometry.js";
import { LoadedModel } from "../../src/engine/runtime.js";
import { captionFor, type ClipSpec, type ColorName, type Kind, type Motion, type ShapeSpec } from "./dataset.js";
import { generateAndJudge } from "./judged.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    background: { type: "string", default: "blue" },
    color: { type: "string", default: "red" },
    kind: { type: "string", default: "circle" },
    motion: { type: "string", default: "moving left" },
    seeds: { type: "string", default: "16" },
    steps: { type: "string", default: "30" },
  },
});
const shapes: ShapeSpec[] = [{ kind: values.kind as Kind, color: values.color as ColorName, motion: values.motion as Motion, x: 0.5, y: 0.5, size: 0.2 }];
// The dataset's own caption (first template: "... on a <colour> background"), articles included.
const prompt = captionFor(shapes, values.background as ColorName);
const spec: ClipSpec = { index: -1, caption: prompt, background: values.background as ColorName, shapes };

const model = await LoadedModel.load(values.model!, "cpu", 2);
const dir = await mkdtemp(join(tmpdir(), "kinema-demo-"));
const geometry = geometryFor({ resolution: "R480P", durationSeconds: 2, fps: 24 }, model.manifest, "cpu");
const seeds = Number(values.seeds);
const tally = { background: 0, color: 0, kind: 0, motion: 0, exact: 0 };
try {
  for (let seed = 1; seed <= seeds; seed++) {
    const run = { model, geometry, steps: Number(values.steps), guidance: model.manifest.sampler.guidanceScale, scratchDir: dir };
    const verdict = await generateAndJudge(run, spec, seed);
    const shape = verdict.shapes[0]!;
    const row = { background: verdict.backgroundOk, color: shape.colorOk, kind: shape.kindOk, motion: shape.motionOk };
    const exact = Object.values(row).every(Boolean);
    for (const [k, ok] of Object.entries(row)) tally[k as keyof typeof row] += Number(ok);
    tally.exact += Number(exact);
    console.log(`seed ${seed}: background ${verdict.background ?? "?"}, shape ${shape.found ? `${shape.kind ?? "?"} ${shape.motion ?? "?"}` : "not found"}${exact ? "  <- exactly the prompt" : ""}`);
  }
} finally {
  await model.release();
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ model: `${model.manifest.id} ${model.manifest.version}`, prompt, steps: Number(values.steps), seeds, ...tally }));
