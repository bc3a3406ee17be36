// Level 2, the quality eval (long; not in CI): the golden kinema-shapes prompts (eval/golden/shapes.json)
// generated through the engine at several step counts, graded by the deterministic judge (eval/judge)
// against their specs, compared with real renders of the same specs (Fréchet distance of features,
// flicker), next to a contrast model; then the adversarial set through the full pipeline. Writes
// report.json and index.html, and fails on an alignment drop > 0.3 against eval/reports/baseline.json or
// on any safety violation.
//   npm run eval -- --level 2 [--model DIR] [--contrast DIR] [--prompts N] [--steps 10,20,30,50]
//                             [--durations 1,4,10] [--compare DIR] [--update-baseline] [--no-safety]
// --durations: also generate the prompts at each of these clip lengths (whole seconds, 1-10) at the FREE
// budget and report per duration issue 19's figures, flicker and centroid-path smoothness against the
// rendered truth, and the targets each clears (eval/quality/durations.ts). --compare DIR: the same for
// another model (same prompts, seeds, steps; at 2 s when --durations is absent) and a side-by-side strip,
// strip.png (eval/quality/strip.ts). Neither changes the step sweep, the baseline or the pass/fail.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/config.js";
import { judgeClip } from "./judge/judge.js";
import { runAdversarial, type AdversarialSkipped, type SafetyFigures } from "./quality/adversarial.js";
import { runDurations, type DurationsSection } from "./quality/compare.js";
import { BASELINE_FILE, compareWithBaseline, readBaseline, writeBaseline, type BaselineData } from "./quality/baseline.js";
import { openFeatureExtractor } from "./quality/features.js";
import { figuresOf, perPrompt, type SetFigures } from "./quality/figures.js";
import { EVAL_JOB, generateSet, loadModel, scoreRendered, type ModelInfo, type Scorer, type SetResult } from "./quality/generate.js";
import { FLOOR_BASE, loadShapesGolden, selectGolden, subsample, type GoldenClip } from "./quality/golden.js";
import { frechetDistance } from "./quality/metrics.js";
import { summaryLines, writeLevel2Report, type Level2Report } from "./quality/report.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SHAPES_DIR = join(ROOT, "models/kinema-shapes");
const TINY_DIR = join(ROOT, "models/kinema-tiny");
const QUALITY_STEPS = [10, 20, 30, 50];

export interface Level2Options { reportDir: string; modelDir?: string; contrastModelDir?: string; argv: string[] }

interface Flags {
  prompts: number | null; steps: number[] | null; contrast: string | null; updateBaseline: boolean; safety: boolean;
  durations: number[] | null; compare: string | null;
}

function parseFlags(argv: string[]): Flags {
  // strict: false, since the CLI's own flags (--level, --report-dir, --model ...) arrive here too
  const { values } = parseArgs({
    args: argv, strict: false, allowPositionals: true,
    options: {
      prompts: { type: "string" }, steps: { type: "string" }, contrast: { type: "string" }, "update-baseline": { type: "boolean" }, "no-safety": { type: "boolean" },
      durations: { type: "string" }, compare: { type: "string" },
    },
  });
  const int = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes positive integers, got ${raw}`);
    return n;
  };
  return {
    prompts: typeof values.prompts === "string" ? int("prompts", values.prompts) : null,
    steps: typeof values.steps === "string" ? values.steps.split(",").map((s) => int("steps", s)) : null,
    contrast: typeof values.contrast === "string" ? values.contrast : null,
    updateBaseline: values["update-baseline"] === true,
    safety: values["no-safety"] !== true,
    durations: typeof values.durations === "string" ? [...new Set(values.durations.split(",").map((s) => int("durations", s)))] : null,
    compare: typeof values.compare === "string" ? values.compare : null,
  };
}

/** The shipped model: the one asked for, else KINEMA_MODEL_DIR, else kinema-shapes once trained, else kinema-tiny. */
function modelDirOf(asked: string | undefined): string {
  if (asked) return resolve(asked);
  if (process.env.KINEMA_MODEL_DIR) return resolve(process.env.KINEMA_MODEL_DIR);
  return existsSync(join(SHAPES_DIR, "model.json")) ? SHAPES_DIR : TINY_DIR;
}

/** sha256 over the judge's source files, so a report says which judge graded it. */
function judgeVersion(): string {
  const dir = join(ROOT, "eval/judge");
  const hash = createHash("sha256");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts")).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest("hex");
}

const log = (line: string) => console.log(`[level2 ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function runModel(dir: string, scorer: Scorer, clips: GoldenClip[], steps: number[]): Promise<{ info: ModelInfo; sets: SetResult[] }> {
  const { model, info } = await loadModel(dir);
  const sets: SetResult[] = [];
  try {
    for (const n of steps) {
      log(`${info.id}: ${clips.length} clips at ${n} steps (${info.width}x${info.height}, ${info.sampler}, guidance ${info.guidance})`);
      const every = Math.max(1, Math.round(clips.length / 4));
      sets.push(await generateSet(model, info, scorer, clips, {
        label: `${info.id}@${n}`, steps: n,
        onClip: (done, total) => done % every === 0 && done < total && log(`  ${done}/${total}`),
      }));
      log(`  done in ${(sets.at(-1)!.wallMs / 1000).toFixed(0)} s`);
    }
  } finally {
    await model.release();
  }
  return { info, sets };
}

/** What the baseline keeps of a run: the production budgets' per-prompt scores, and its safety count. */
function baselineOf(info: ModelInfo, sets: SetResult[], production: number[], figures: SetFigures[], violations: number): BaselineData {
  const alignment: BaselineData["alignment"] = {};
  for (const steps of production) {
    const set = sets.find((s) => s.steps === steps);
    const f = figures.find((x) => x.label === set?.label);
    if (!set || !f) continue;
    alignment[String(steps)] = {
      score: f.alignment.score, accuracy: f.alignment.accuracy,
      perPrompt: Object.fromEntries(set.clips.map((c) => [String(c.index), c.judgement.score])),
    };
  }
  return {
    model: { id: info.id, version: info.version, hash: info.hash }, judge: judgeVersion(), createdAt: new Date().toISOString(),
    prompts: sets[0]?.clips.length ?? 0, alignment, safety: { violations },
    figures: Object.fromEntries(figures.map((f) => [f.label, { alignment: f.alignment, frechet: f.frechet, flicker: f.flicker }])),
  };
}

export async function runLevel2(options: Level2Options): Promise<number> {
  const started = new Date();
  const flags = parseFlags(options.argv);
  const golden = loadShapesGolden();
  const clips = subsample(golden.clips, flags.prompts);
  if (flags.updateBaseline && (clips.length < golden.clips.length || !flags.safety)) {
    throw new Error("--update-baseline needs a complete run: all golden prompts and the safety set (no --prompts, no --no-safety)");
  }
  const config = loadConfig({ ...process.env });
  const { minDurationSeconds: shortest, maxDurationSeconds: longest } = config.tiers.FREE;
  const offered = (d: number) => d >= shortest && d <= longest;
  if (flags.durations && !flags.durations.every(offered)) throw new Error(`--durations: whole seconds the API offers, ${shortest}-${longest}`);
  const production = [config.tiers.FREE.stepBudget, config.tiers.PLUS.stepBudget];
  const steps = flags.steps ?? [...new Set([...QUALITY_STEPS, ...production])].sort((a, b) => a - b);
  const modelDir = modelDirOf(options.modelDir);
  const contrastDir = resolve(options.contrastModelDir ?? flags.contrast ?? TINY_DIR);

  // one feature extractor for every model: the kinema-shapes encoder wherever it is found first
  const extractor = await openFeatureExtractor([modelDir, SHAPES_DIR]);
  const scorer: Scorer = { judge: judgeClip, extractor };
  log(`${clips.length} prompts; features: ${extractor.kind}`);
  try {
    const real = await scoreRendered(scorer, clips, "real renders");
    const floorSet = await scoreRendered(scorer, subsample(selectGolden(FLOOR_BASE), flags.prompts), "real renders, other indexes");
    const frechetFloor = frechetDistance(real.clips.map((c) => c.features), floorSet.clips.map((c) => c.features));

    const main = await runModel(modelDir, scorer, clips, steps);
    let contrast: { info: ModelInfo; sets: SetResult[] } | null = null;
    if (contrastDir !== modelDir) contrast = await runModel(contrastDir, scorer, clips, [production[0]!]);
    else log(`contrast model is the model itself (${contrastDir}): not run twice`);

    let safety: SafetyFigures | AdversarialSkipped = { skipped: true, reason: "--no-safety" };
    if (flags.safety) safety = await runAdversarial({ modelDir, log });
    const safetyOk = !("skipped" in safety) && safety.violations === 0 && safety.unverified === 0;

    // per duration at the FREE budget, and the compared model and strip (after the step sweep: the baseline's part first)
    let durations: DurationsSection | undefined;
    if (flags.durations || flags.compare) {
      durations = await runDurations({
        modelDir, compareDir: flags.compare && resolve(flags.compare), clips, golden: golden.clips,
        seconds: flags.durations ?? [EVAL_JOB.durationSeconds], steps: production[0]!, reportDir: options.reportDir, log,
      });
    }

    const sets = [...main.sets, ...(contrast?.sets ?? [])];
    const runs = sets.map((s) => figuresOf(s, real));
    const current = baselineOf(main.info, main.sets, production, runs, "skipped" in safety ? 0 : safety.violations);
    const comparison = compareWithBaseline(current, readBaseline());
    if (!safetyOk) {
      comparison.failures.push("skipped" in safety ? `safety not checked (${safety.reason}): not a gate run` : `${safety.unverified} adversarial item(s) could not be verified`);
    }
    if (flags.updateBaseline && safetyOk) {
      await writeBaseline(current);
      comparison.notes.push("--update-baseline: this run is the new baseline");
    }
    const finished = new Date();
    const report: Level2Report = {
      level: 2, passed: comparison.passed && safetyOk, startedAt: started.toISOString(), finishedAt: finished.toISOString(),
      wallSeconds: (finished.getTime() - started.getTime()) / 1000,
      environment: { judge: current.judge, node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? "?", platform: process.platform, provider: "cpu", profile: "cpu", job: "2 s at 8 fps (16 frames)" },
      prompts: { used: clips.length, golden: golden.clips.length, indexes: clips.map((c) => c.index) },
      features: { kind: extractor.kind, description: extractor.description, source: extractor.source },
      models: { model: main.info, contrast: contrast?.info ?? null },
      productionSteps: production, runs, real: figuresOf(real, null), frechetFloor, safety,
      baseline: { ...comparison, passed: comparison.passed && safetyOk, file: fileURLToPath(BASELINE_FILE), updated: flags.updateBaseline && safetyOk },
      perPrompt: Object.fromEntries([real, ...sets].map((s) => [s.label, perPrompt(s.clips)])),
      ...(durations ? { durations } : {}),
    };
    await writeLevel2Report(options.reportDir, report);
    for (const line of summaryLines(report)) console.log(line);
    console.log(`report: ${join(options.reportDir, "index.html")}${report.baseline.updated ? `; baseline written to ${report.baseline.file}` : ""}`);
    return report.passed ? 0 : 1;
  } finally {
    await extractor.release();
  }
}
