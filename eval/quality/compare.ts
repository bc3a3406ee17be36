// Level 2's --durations and --compare (issue 19): the model under test, and the model it is compared with
// (e.g. 1.3.0), each generating the golden prompts at every asked duration at the FREE budget, then the
// side-by-side strip of a fixed handful of prompts at level 2's own 2 s. One model is loaded at a time
// (the engine holds one ONNX set per model, and a 2-core machine gains nothing from two at once).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ClipFrames } from "../judge/judge.js";
import { generateAtDuration, geometryAt, truthFor, type DurationResult } from "./durations.js";
import { FEATURE_HEIGHT, FEATURE_WIDTH } from "./features.js";
import { EVAL_JOB, generateFrames, loadModel, type ModelInfo } from "./generate.js";
import type { GoldenClip } from "./golden.js";
import { resizeFrames } from "./metrics.js";
import { stripFrameNumbers, stripPrompts, writeStrip } from "./strip.js";
import { TARGETS } from "./targets.js";

export const STRIP_FILE = "strip.png";

export interface StripInfo {
  /** relative to the report's folder */
  file: string;
  width: number;
  height: number;
  bytes: number;
  seconds: number;
  steps: number;
  /** frame numbers shown of each clip */
  frames: number[];
  /** left to right: the truth, the compared model, the model under test */
  columns: string[];
  /** top to bottom */
  rows: { what: string; index: number; caption: string; seed: number }[];
}

export interface DurationsSection {
  steps: number;
  seconds: number[];
  targets: typeof TARGETS;
  model: DurationResult[];
  /** the --compare model's figures at the same durations, prompts, seeds and steps; null without --compare */
  compare: DurationResult[] | null;
  strip: StripInfo | null;
}

export interface DurationsOptions {
  modelDir: string;
  compareDir: string | null;
  /** the prompts of the per-duration figures (what --prompts chose) and the whole golden set (the strip's) */
  clips: readonly GoldenClip[];
  golden: readonly GoldenClip[];
  seconds: readonly number[];
  steps: number;
  reportDir: string;
  log: (line: string) => void;
}

const at112 = (c: ClipFrames): ClipFrames => (c.width === FEATURE_WIDTH && c.height === FEATURE_HEIGHT ? c
  : { rgb: resizeFrames(c.rgb, c.width, c.height, c.frames, FEATURE_WIDTH, FEATURE_HEIGHT), width: FEATURE_WIDTH, height: FEATURE_HEIGHT, frames: c.frames });

/** Every asked duration for one model, and (when `strip` has prompts) their clips at 2 s for the strip. */
async function runOne(dir: string, o: DurationsOptions, strip: readonly GoldenClip[]): Promise<{ info: ModelInfo; results: DurationResult[]; stripClips: ClipFrames[] }> {
  const { model, info } = await loadModel(dir);
  const results: DurationResult[] = [], stripClips: ClipFrames[] = [];
  try {
    for (const seconds of o.seconds) {
      o.log(`${info.id} ${info.version}: ${o.clips.length} clips at ${seconds} s, ${o.steps} steps`);
      const every = Math.max(1, Math.round(o.clips.length / 4));
      const r = await generateAtDuration(model, info, o.clips, seconds, o.steps, (done, total) => done % every === 0 && done < total && o.log(`  ${done}/${total}`));
      results.push(r);
      o.log("error" in r ? `  FAILED: ${r.error}` : `  score ${r.alignment.score.toFixed(2)}, accuracy ${(100 * r.alignment.accuracy).toFixed(0)}% in ${r.timing.wallSeconds.toFixed(0)} s`);
    }
    if (strip.length) {
      o.log(`${info.id} ${info.version}: ${strip.length} strip prompts at ${EVAL_JOB.durationSeconds} s`);
      const geometry = geometryAt(model.manifest, EVAL_JOB.durationSeconds);
      for (const golden of strip) stripClips.push(at112(await generateFrames(model, golden, geometry, o.steps, o.reportDir)));
    }
  } finally {
    await model.release();
  }
  return { info, results, stripClips };
}

export async function runDurations(o: DurationsOptions): Promise<DurationsSection> {
  await mkdir(o.reportDir, { recursive: true }); // the strip and the raw frames of its clips go there
  const picks = o.compareDir ? stripPrompts(o.golden) : [];
  const main = await runOne(o.modelDir, o, picks.map((p) => p.clip));
  const other = o.compareDir ? await runOne(o.compareDir, o, picks.map((p) => p.clip)) : null;
  let strip: StripInfo | null = null;
  if (other && picks.length) {
    // left to right: truth, compared model, model under test (the "before" left of the "after")
    const rows = picks.map((p, r) => [truthFor(p.clip, other.stripClips[r]!), other.stripClips[r]!, main.stripClips[r]!]);
    const written = await writeStrip(join(o.reportDir, STRIP_FILE), rows);
    strip = {
      file: STRIP_FILE, ...written, seconds: EVAL_JOB.durationSeconds, steps: o.steps, frames: stripFrameNumbers(rows[0]![0]!.frames),
      columns: ["rendered ground truth", `${other.info.id} ${other.info.version} (${o.compareDir})`, `${main.info.id} ${main.info.version} (${o.modelDir})`],
      rows: picks.map((p) => ({ what: p.what, index: p.clip.index, caption: p.clip.caption, seed: p.clip.seed })),
    };
    o.log(`strip: ${join(o.reportDir, STRIP_FILE)} (${written.width}x${written.height}, ${written.bytes} bytes)`);
  }
  return { steps: o.steps, seconds: [...o.seconds], targets: TARGETS, model: main.results, compare: other?.results ?? null, strip };
}
