// The judge's ceiling of a model's autoencoder (eval/quality/ceiling.ts), per clip duration: the golden
// set rendered, autoencoded and judged with level 2's figures. Writes report.json and report.md.
//   node --import tsx eval/ceiling.ts [--model models/kinema-shapes] [--durations 1,2,4,10] [--prompts N]
//                                     [--out eval/reports/ceiling/NAME] [--quick] [--min-frames N]
// --quick: 8 prompts at 2 s, nothing written unless --out is given. --min-frames: judge clips shorter than N
// frames as the engine makes them when model.json's minGeneratedFrames is N (default: the model's own).
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ceilingAt, openAutoencoder, TARGETS, targetsCleared, type CeilingFigures } from "./quality/ceiling.js";
import { clearedCell } from "./quality/targets.js";
import { openFeatureExtractor } from "./quality/features.js";
import { round } from "./quality/figures.js";
import { loadShapesGolden, subsample } from "./quality/golden.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    durations: { type: "string", default: "1,2,4,10" },
    prompts: { type: "string" },
    out: { type: "string" },
    quick: { type: "boolean", default: false },
    threads: { type: "string", default: "1" },
    "min-frames": { type: "string" },
  },
});
const durations = (values.quick ? "2" : values.durations!).split(",").map(Number);
if (!durations.every((d) => Number.isInteger(d) && d >= 1 && d <= 10)) throw new Error("--durations: whole seconds, 1-10 (what the API offers)");
const minFrames = values["min-frames"] === undefined ? undefined : Number(values["min-frames"]);
if (minFrames !== undefined && !(Number.isInteger(minFrames) && minFrames > 0)) throw new Error("--min-frames: a positive whole number of frames");
const prompts = values.quick ? 8 : values.prompts ? Number(values.prompts) : null;
const golden = loadShapesGolden();
const clips = subsample(golden.clips, prompts);

const ae = await openAutoencoder(resolve(values.model!), "vae_encoder.onnx", Number(values.threads));
// the features of the Fréchet distance always come from the shipped encoder, as in level 2
const extractor = await openFeatureExtractor([join(ROOT, "models/kinema-shapes")]);
const started = new Date();
const results: CeilingFigures[] = [];
try {
  for (const seconds of durations) {
    results.push(await ceilingAt(ae, clips, seconds, extractor, minFrames));
    const f = results.at(-1)!;
    console.log(`${ae.manifest.id} ${ae.manifest.version} ${seconds} s: score ${f.alignment.score.toFixed(2)}, accuracy ${f.alignment.accuracy.toFixed(3)} (${f.wallSeconds.toFixed(0)} s)`);
  }
} finally {
  await ae.release();
  await extractor.release();
}

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(0)}%`);
const num = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));
const model = `${ae.manifest.id} ${ae.manifest.version} (${values.model}; temporal compression ${ae.manifest.vae.temporalCompression}, ${ae.manifest.latentChannels} latent channels)`;
const table = [
  "| clip | accuracy | score 1-5 | background | colour | kind | motion | digits read | multi-shape fully right | PSNR dB | flicker (truth) | path error px | velocity error px | jerk px (truth) | FD | all targets |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ...results.map((f) => {
    const a = f.alignment, s = f.smoothness;
    return `| ${f.seconds} s (${f.frames} frames${f.generatedFrames ? ` of ${f.generatedFrames}` : ""}) | ${pct(a.accuracy)} | ${num(a.score)} | ${pct(a.attributes.background)} | ${pct(a.attributes.color)} | ${pct(a.attributes.kind)} | ${pct(a.attributes.motion)} `
      + `| ${pct(a.digits.accuracy)} (${a.digits.correct}/${a.digits.expected}) | ${pct(f.multiShape.share)} (${f.multiShape.fullyRight}/${f.multiShape.clips}) | ${num(f.psnrDb)} `
      + `| ${num(f.flicker.reconstruction, 4)} (${num(f.flicker.truth, 4)}) | ${num(s.errorPx)} | ${num(s.velocityErrorPx)} | ${num(s.jerkPx)} (${num(s.truthJerkPx)}) | ${num(f.frechet)} | ${clearedCell(targetsCleared(f))} |`;
  }),
];
// where the ceiling falls short: per expected kind (digits pooled) and motion, "right / expected" at each duration
function breakdown(attribute: "kind" | "motion"): string[] {
  const tables = results.map((f) => f.alignment.breakdown[attribute]);
  const keys = [...new Set(tables.flatMap((t) => Object.keys(t)))].sort();
  return keys.map((k) => `| ${attribute}: ${k} | ${tables.map((t) => (t[k] ? `${t[k]!.right}/${t[k]!.expected}` : "–")).join(" | ")} |`);
}
const perAttribute = [
  `| right / expected | ${results.map((f) => `${f.seconds} s`).join(" | ")} |`, `|---|${results.map(() => "---:").join("|")}|`,
  ...breakdown("kind"), ...breakdown("motion"),
];
const truthLine = results.map((f) => `${f.seconds} s ${pct(f.truth.accuracy)}`).join(", ");
const markdown = [
  `# Judge ceiling: ${ae.manifest.id} ${ae.manifest.version}`, "",
  `${model}: the ${clips.length} golden prompts (of ${golden.clips.length}) rendered at 112x64, 8 fps, encoded by its `
  + "`vae_encoder.onnx`, decoded by the engine's chunked decode and read by the level-2 judge (`eval/quality/ceiling.ts`). "
  + "Generation cannot read better than this: it is the score of a perfect latent.", "",
  ...table, "", ...perAttribute, "",
  `Targets (issue 19, level 2 at 30 steps): score >= ${TARGETS.score}, accuracy >= ${pct(TARGETS.accuracy)}, motion and kind >= ${pct(TARGETS.motion)}, `
  + `multi-shape fully right >= ${pct(TARGETS.multiShape)}, digits read >= ${pct(TARGETS.digits)}. The judge on the ground truth itself: ${truthLine}.`, "",
  "Path error: mean distance (px at 112x64) between the centroid of each judged shape and the same shape's in the ground truth, per frame. "
  + "Velocity error (the smoothness figure): mean |per-frame centroid motion - the truth's|, px per frame (a shape that stands still for g frames, then jumps, "
  + "reads about 2v(g-1)/g at v px per frame; 0 when it moves with the truth). Jerk: mean |second difference| of the shape's centroid path, px per frame² (the truth's in brackets: its floor at that frame count). "
  + "FD: Fréchet distance of the reconstructions' features to the truth's (the 1.3.0 encoder's features; 16-frame clips only). Flicker: mean frame-to-frame |difference| (0-1).", "",
  `Run: \`node --import tsx eval/ceiling.ts ${process.argv.slice(2).join(" ")}\` on ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), `
  + `${results.reduce((s, f) => s + f.wallSeconds, 0).toFixed(0)} s, ${started.toISOString()}. Files: ${Object.entries(ae.files).map(([f, h]) => `${f} ${h.slice(0, 12)}`).join(", ")}.`, "",
];
console.log(markdown.join("\n"));
const out = values.out ?? (values.quick ? null : join(ROOT, "eval/reports/ceiling", `${ae.manifest.id}-${ae.manifest.version}`));
if (out) {
  await mkdir(out, { recursive: true });
  const report = { model: { dir: values.model, id: ae.manifest.id, version: ae.manifest.version, vae: ae.manifest.vae, latentChannels: ae.manifest.latentChannels, files: ae.files },
    startedAt: started.toISOString(), prompts: clips.map((c) => c.index), targets: TARGETS,
    durations: results.map((f) => ({ ...f, cleared: targetsCleared(f) })) };
  await writeFile(join(out, "report.json"), JSON.stringify(report, (_, v: unknown) => (typeof v === "number" ? round(v, 5) : v), 1) + "\n");
  await writeFile(join(out, "report.md"), markdown.join("\n"));
  console.log(`written: ${out}/report.json, report.md`);
}
