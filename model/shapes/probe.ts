// Where does a shape's kind get lost? Each held-out clip's ground truth is encoded by the model's own
// vae_encoder.onnx, noised to the time of step k of the model's sampler grid (x_t = (1 - t) x0 + t noise, the
// noise the engine would draw for that seed), and the engine denoises the rest of the way from there, as if
// resuming a checkpoint at step k; the level-2 judge reads the decoded clip. k = 0 is plain generation (t = 1:
// the truth plays no part); the larger k, the more of the truth's layout and outline the DiT is handed.
// If kinds read right from mid noise but not from pure noise, the DiT draws outlines but does not commit to
// the prompt's kind; if they are lost even from low noise, it cannot draw them at all (its resolution or
// capacity). Prints one JSON line: per k its t, accuracy, kind and motion, and the per-kind breakdown.
//   node --import tsx model/shapes/probe.ts --model DIR [--from 0,10,15,20,25] [--clips 48] [--steps N (the FREE budget)]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Judgement } from "../../eval/judge/judge.js";
import { openAutoencoder } from "../../eval/quality/ceiling.js";
import { alignmentOf, breakdownLine } from "../../eval/quality/figures.js";
import { EVAL_JOB, freeStepBudget } from "../../eval/quality/generate.js";
import { geometryFor } from "../../src/engine/geometry.js";
import { LoadedModel } from "../../src/engine/runtime.js";
import { timeGrid } from "../../src/engine/sampler.js";
import { renderClip, sampleClip } from "./dataset.js";
import { denoiseFromTruth } from "./judged.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    from: { type: "string", default: "0,10,15,20,25" },
    clips: { type: "string", default: "48" },
    start: { type: "string", default: "99800000" }, // held out from training, and not the golden set (guidance.ts's)
    steps: { type: "string", default: String(freeStepBudget()) },
  },
});
const steps = Number(values.steps);
const from = values.from!.split(",").map(Number);
if (from.some((k) => !Number.isInteger(k) || k < 0 || k >= steps)) throw new Error(`--from: whole steps in 0..${steps - 1}`);
const model = await LoadedModel.load(values.model!, "cpu", 1);
const ae = await openAutoencoder(values.model!);
const { manifest } = model;
const geometry = geometryFor(EVAL_JOB, manifest, "cpu");
const grid = timeGrid(manifest.sampler.default, steps, manifest.prediction, manifest.sampler.flowShift);
const specs = Array.from({ length: Number(values.clips) }, (_, i) => sampleClip(Number(values.start) + i));
const dir = await mkdtemp(join(tmpdir(), "kinema-probe-"));
const run = { model, geometry, steps, guidance: manifest.sampler.guidanceScale, scratchDir: dir };
const rows = [];
try {
  // the truth's latents once, at the frames the engine generates (minGeneratedFrames included)
  const frames = geometry.generatedFrames ?? geometry.frames;
  const truths = await Promise.all(specs.map(async (spec) =>
    (await ae.encode(renderClip(spec, { width: geometry.width, height: geometry.height, frames }), frames)).data));
  for (const k of from) {
    const judgements: Judgement[] = [];
    for (const [i, spec] of specs.entries()) judgements.push(await denoiseFromTruth(run, spec, i + 1, truths[i]!, k));
    const a = alignmentOf(judgements), r = (x: number) => Math.round(x * 1000) / 1000;
    rows.push({ from: k, t: r(grid[k]!), accuracy: r(a.accuracy), color: r(a.attributes.color), kind: r(a.attributes.kind), motion: r(a.attributes.motion),
      kinds: breakdownLine(a.breakdown.kind), motions: breakdownLine(a.breakdown.motion) });
    console.error(JSON.stringify(rows.at(-1)));
  }
} finally {
  await model.release();
  await ae.release();
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ model: `${manifest.id} ${manifest.version}`, clips: specs.length, steps, guidance: run.guidance,
  indexes: [Number(values.start), Number(values.start) + specs.length], rows }));
