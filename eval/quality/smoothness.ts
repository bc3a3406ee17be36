// Temporal smoothness: the per-frame centroid path of each judged shape in a clip against the path of the
// same shape in the rendered ground truth of its spec (both read by the level-2 judge's own blob finder,
// so a digit's centroid is its ink's in both). Three figures per shape, in pixels at the clip's size:
//   - path error: mean distance between the two centroids over the frames where both are found;
//   - velocity error (the smoothness figure): mean |(c[f+1] - c[f]) - (t[f+1] - t[f])| over consecutive
//     frames, the per-frame motion against the truth's. A shape that stands still for g frames and then
//     catches up (one latent frame of g near-identical frames) scores about 2v(g-1)/g at speed v px/frame:
//     1.5v for groups of 4, v for groups of 2, 0 when it moves every frame; a constant offset costs nothing;
//   - jerk: mean |c[f+1] - 2 c[f] + c[f-1]| of the clip's own path (the truth's next to it: its floor).
//     Any stepping at speed v reads about 2v whatever the step length, so it says "not smooth", not how.
import type { ClipSpec } from "../../model/shapes/dataset.js";
import type { Blob } from "../judge/blobs.js";
import { classifyClip } from "../judge/colors.js";
import { readShape, type ClipFrames } from "../judge/judge.js";

export interface ShapePath {
  /** the shape was found (the judge's rule: in at least half the frames) in the clip and in the truth */
  found: boolean;
  /** frames where both centroids exist */
  frames: number;
  /** mean centroid distance to the truth's, px; NaN when not found */
  errorPx: number;
  /** mean |per-frame motion - the truth's|, px per frame; NaN without two consecutive frames in both */
  velocityErrorPx: number;
  /** mean |second difference| of the clip's path and of the truth's, px per frame²; NaN with < 3 frames */
  jerkPx: number;
  truthJerkPx: number;
}

type Point = { x: number; y: number } | null;

const centroids = (blobs: (Blob | null)[]): Point[] => blobs.map((b) => (b ? { x: b.cx, y: b.cy } : null));

/** Mean |second difference| over the runs of three consecutive found frames; NaN when there are none. */
export function jerk(path: readonly Point[]): number {
  let sum = 0, n = 0;
  for (let f = 1; f + 1 < path.length; f++) {
    const a = path[f - 1], b = path[f], c = path[f + 1];
    if (!a || !b || !c) continue;
    sum += Math.hypot(c.x - 2 * b.x + a.x, c.y - 2 * b.y + a.y);
    n++;
  }
  return n ? sum / n : NaN;
}

/** Mean distance between two paths over the frames where both have a point; NaN when none. */
export function pathError(path: readonly Point[], truth: readonly Point[]): { error: number; frames: number } {
  let sum = 0, n = 0;
  for (let f = 0; f < Math.min(path.length, truth.length); f++) {
    const p = path[f], t = truth[f];
    if (!p || !t) continue;
    sum += Math.hypot(p.x - t.x, p.y - t.y);
    n++;
  }
  return { error: n ? sum / n : NaN, frames: n };
}

/** Mean |(p[f+1] - p[f]) - (t[f+1] - t[f])| over the frame pairs found in both paths; NaN when none. */
export function velocityError(path: readonly Point[], truth: readonly Point[]): number {
  let sum = 0, n = 0;
  for (let f = 0; f + 1 < Math.min(path.length, truth.length); f++) {
    const a = path[f], b = path[f + 1], s = truth[f], t = truth[f + 1];
    if (!a || !b || !s || !t) continue;
    sum += Math.hypot(b.x - a.x - (t.x - s.x), b.y - a.y - (t.y - s.y));
    n++;
  }
  return n ? sum / n : NaN;
}

/** One path per spec shape: `clip` (generated or reconstructed) against `truth` (the spec rendered at the same size). */
export function shapePaths(clip: ClipFrames, truth: ClipFrames, spec: ClipSpec): ShapePath[] {
  if (clip.width !== truth.width || clip.height !== truth.height || clip.frames !== truth.frames) {
    throw new Error(`clip ${clip.width}x${clip.height}x${clip.frames} and truth ${truth.width}x${truth.height}x${truth.frames} differ`);
  }
  const seen = classifyClip(clip.rgb, clip.width, clip.height, clip.frames);
  const real = classifyClip(truth.rgb, truth.width, truth.height, truth.frames);
  return spec.shapes.map((s) => {
    const a = readShape(seen.classes, clip, s.color, seen.background);
    const b = readShape(real.classes, truth, s.color, real.background);
    const truthPath = centroids(b.blobs);
    if (!a.found || !b.found) return { found: false, frames: 0, errorPx: NaN, velocityErrorPx: NaN, jerkPx: NaN, truthJerkPx: jerk(truthPath) };
    const path = centroids(a.blobs);
    const { error, frames } = pathError(path, truthPath);
    return { found: true, frames, errorPx: error, velocityErrorPx: velocityError(path, truthPath), jerkPx: jerk(path), truthJerkPx: jerk(truthPath) };
  });
}

export interface SmoothnessFigures {
  /** shapes whose path was compared (found in both) of all expected shapes */
  shapes: number;
  compared: number;
  /** means over the compared shapes */
  errorPx: number;
  velocityErrorPx: number;
  jerkPx: number;
  truthJerkPx: number;
}

export function smoothnessOf(paths: readonly ShapePath[]): SmoothnessFigures {
  const ok = paths.filter((p) => p.found && Number.isFinite(p.errorPx));
  const avg = (xs: number[]) => {
    const f = xs.filter(Number.isFinite);
    return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
  };
  return {
    shapes: paths.length, compared: ok.length,
    errorPx: avg(ok.map((p) => p.errorPx)), velocityErrorPx: avg(ok.map((p) => p.velocityErrorPx)), jerkPx: avg(ok.map((p) => p.jerkPx)), truthJerkPx: avg(ok.map((p) => p.truthJerkPx)),
  };
}
