// Level 2 per duration (issue 19: "every duration the API offers works"): the golden prompts generated at
// another clip length than level 2's own 2 s, judged, and compared with the ground truth rendered at the
// same length. A golden spec has no duration of its own: renderClip spreads each shape's motion over
// whatever frame count it is asked for (as the dataset does, and as eval/quality/ceiling.ts re-times the
// set to 1-10 s), so re-timing a prompt is asking the engine for `seconds` at the cpu profile's 8 fps and
// rendering the truth at the frame count the engine produced. Per duration: level 2's alignment figures,
// multi-shape prompts fully right, flicker (generated and truth), the centroid-path smoothness figures
// (eval/quality/smoothness.ts, generated frames against the truth) and which of issue 19's targets it clears.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderClip } from "../../model/shapes/dataset.js";
import { geometryFor, type Geometry } from "../../src/engine/geometry.js";
import type { ModelManifest } from "../../src/engine/manifest.js";
import type { LoadedModel } from "../../src/engine/runtime.js";
import { judgeClip, type ClipFrames, type Judgement } from "../judge/judge.js";
import { FEATURE_HEIGHT, FEATURE_WIDTH } from "./features.js";
import { alignmentOf, type AlignmentFigures } from "./figures.js";
import { EVAL_JOB, generateFrames, type ModelInfo } from "./generate.js";
import type { GoldenClip } from "./golden.js";
import { flicker, mean, resizeFrames } from "./metrics.js";
import { shapePaths, smoothnessOf, type ShapePath, type SmoothnessFigures } from "./smoothness.js";
import { multiShapeOf, targetsCleared, type MultiShapeFigures, type TargetName } from "./targets.js";

export type ModelRef = Pick<ModelInfo, "dir" | "id" | "version" | "hash">;

export interface DurationClip {
  index: number;
  caption: string;
  seed: number;
  accuracy: number;
  score: number;
  /** at 112x64, as level 2's flicker */
  flicker: number;
  truthFlicker: number;
  /** generation time (denoise + decode) */
  ms: number;
  judgement: Judgement;
  paths: ShapePath[];
}

export interface DurationFigures {
  model: ModelRef;
  seconds: number;
  frames: number;
  steps: number;
  alignment: AlignmentFigures;
  multiShape: MultiShapeFigures;
  /** mean frame-to-frame |difference| (0-1): the generated clips' and the truth's (a frozen clip reads low) */
  flicker: { generated: number; truth: number };
  smoothness: SmoothnessFigures;
  cleared: Record<TargetName, boolean>;
  timing: { wallSeconds: number; secondsPerClip: number };
  perClip: DurationClip[];
}

/** A duration the model could not generate: reported, not thrown, since "every duration works" is a target. */
export interface DurationFailure { model: ModelRef; seconds: number; steps: number; error: string }

export type DurationResult = DurationFigures | DurationFailure;
export const failed = (r: DurationResult): r is DurationFailure => "error" in r;

/** Level 2's job with its duration replaced (the cpu profile: the model's CPU bucket, at most 8 fps). */
export function geometryAt(manifest: ModelManifest, seconds: number): Geometry {
  return geometryFor({ ...EVAL_JOB, durationSeconds: seconds }, manifest, "cpu");
}

/** The spec rendered at a clip's own size and frame count: the ground truth it is compared with. */
export function truthFor(golden: GoldenClip, like: Pick<ClipFrames, "width" | "height" | "frames">): ClipFrames {
  const size = { width: like.width, height: like.height, frames: like.frames };
  return { rgb: renderClip(golden.spec, size), ...size };
}

const flickerAt112 = (c: ClipFrames) => flicker(
  c.width === FEATURE_WIDTH && c.height === FEATURE_HEIGHT ? c.rgb : resizeFrames(c.rgb, c.width, c.height, c.frames, FEATURE_WIDTH, FEATURE_HEIGHT), c.frames);

/** One generated (or any) clip against its prompt's truth: the judge, flicker and the centroid paths. */
export function scoreAgainstTruth(clip: ClipFrames, golden: GoldenClip, ms: number): DurationClip {
  const truth = truthFor(golden, clip);
  const judgement = judgeClip(clip, golden.spec);
  return {
    index: golden.index, caption: golden.caption, seed: golden.seed, accuracy: judgement.accuracy, score: judgement.score,
    flicker: flickerAt112(clip), truthFlicker: flickerAt112(truth), ms, judgement, paths: shapePaths(clip, truth, golden.spec),
  };
}

export function durationFigures(model: ModelRef, seconds: number, frames: number, steps: number, rows: readonly DurationClip[], wallMs: number): DurationFigures {
  const judgements = rows.map((r) => r.judgement);
  const alignment = alignmentOf(judgements), multiShape = multiShapeOf(judgements);
  return {
    model, seconds, frames, steps, alignment, multiShape,
    flicker: { generated: mean(rows.map((r) => r.flicker)), truth: mean(rows.map((r) => r.truthFlicker)) },
    smoothness: smoothnessOf(rows.flatMap((r) => r.paths)),
    cleared: targetsCleared({ alignment, multiShape }),
    timing: { wallSeconds: wallMs / 1000, secondsPerClip: rows.length ? mean(rows.map((r) => r.ms)) / 1000 : 0 },
    perClip: [...rows],
  };
}

/** The golden clips at `seconds`, generated by a loaded model at `steps` and scored. */
export async function generateAtDuration(
  model: LoadedModel, info: ModelInfo, clips: readonly GoldenClip[], seconds: number, steps: number,
  onClip?: (done: number, total: number) => void,
): Promise<DurationResult> {
  const ref: ModelRef = { dir: info.dir, id: info.id, version: info.version, hash: info.hash };
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "kinema-level2-duration-"));
  const rows: DurationClip[] = [];
  try {
    const geometry = geometryAt(model.manifest, seconds);
    for (const golden of clips) {
      const began = performance.now();
      const clip = await generateFrames(model, golden, geometry, steps, dir);
      if (clip.frames !== geometry.frames) throw new Error(`${clip.frames} frames decoded, ${geometry.frames} asked for`);
      rows.push(scoreAgainstTruth(clip, golden, performance.now() - began));
      onClip?.(rows.length, clips.length);
    }
    return durationFigures(ref, seconds, geometry.frames, steps, rows, performance.now() - started);
  } catch (error) {
    return { model: ref, seconds, steps, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
