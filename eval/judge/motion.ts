// Which motion a shape's per-frame blobs show. Trajectory features are fitted by least squares over
// the frames where the blob was found (so a few missing frames don't matter), then compared with the
// ideal feature vector of each motion; the nearest one wins, or null when nothing is near. Rotation
// leaves the trajectory alone, so its evidence comes from the kind matcher (turned vs upright fit).
import { MOTIONS, type Motion } from "../../model/shapes/dataset.js";
import type { Blob } from "./blobs.js";

export interface MotionFeatures {
  /** net x / y travel over the whole clip, in frame widths / heights (from the linear trend) */
  dx: number;
  dy: number;
  /** peak rise of a two-hop |sin| bounce on top of the trend, in frame heights (up = positive) */
  bounce: number;
  /** log area change over the clip (growing: log((1.4 / 0.6)^2) = 1.69) */
  growth: number;
  /** how much better templates turned by the dataset's schedule (pi * progress) fit than upright
   * ones, in pooled IoU; filled in by the caller, 0 = no evidence either way */
  turn: number;
}

// What each motion does in the dataset: travel 0.4, bounce 0.3, scale 0.6 -> 1.4; turn is measured
const TRAVEL = 0.4, BOUNCE = 0.3, GROWTH = Math.log((1.4 / 0.6) ** 2);
/** An IoU gain this large counts as fully rotating (a square, the most symmetric, gains least). */
const TURN = 0.06;
/** Feature-space distance beyond which the judge reads no motion at all. */
const MAX_MISMATCH = 0.75;

/** Least squares for y ~ sum_k beta_k * cols_k (normal equations, Gaussian elimination). */
function fit(cols: number[][], y: number[]): number[] {
  const k = cols.length;
  const a = cols.map((ci) => [...cols.map((cj) => ci.reduce((s, v, n) => s + v * cj[n]!, 0)), ci.reduce((s, v, n) => s + v * y[n]!, 0)]);
  for (let i = 0; i < k; i++) {
    let piv = i;
    for (let r = i + 1; r < k; r++) if (Math.abs(a[r]![i]!) > Math.abs(a[piv]![i]!)) piv = r;
    [a[i], a[piv]] = [a[piv]!, a[i]!];
    const d = a[i]![i]!;
    if (Math.abs(d) < 1e-12) return new Array<number>(k).fill(0); // degenerate: too few distinct frames
    for (let r = 0; r < k; r++) {
      if (r === i) continue;
      const m = a[r]![i]! / d;
      for (let c = i; c <= k; c++) a[r]![c]! -= m * a[i]![c]!;
    }
  }
  return a.map((row, i) => row[k]! / row[i]!);
}

/** Features from the blobs of one shape (null where not found); null with fewer than 3 frames. */
export function motionFeatures(blobs: (Blob | null)[], width: number, height: number): MotionFeatures | null {
  const F = blobs.length;
  const found = blobs.flatMap((b, f) => (b ? [{ b, p: F === 1 ? 0 : f / (F - 1) }] : []));
  if (found.length < 3) return null;
  const ones = found.map(() => 1), ps = found.map((s) => s.p);
  const hop = found.map((s) => Math.abs(Math.sin(2 * Math.PI * s.p)));
  const xs = found.map((s) => s.b.cx / width), ys = found.map((s) => s.b.cy / height);
  const la = found.map((s) => Math.log(s.b.area));
  const dx = fit([ones, ps], xs)[1]!;
  // the bounce column is only separable from the trend with 4+ frames spread over the clip
  const yFit = found.length >= 4 ? fit([ones, ps, hop], ys) : [...fit([ones, ps], ys), 0];
  const growth = fit([ones, ps], la)[1]!;
  return { dx, dy: yFit[1]!, bounce: -yFit[2]!, growth, turn: 0 };
}

const clamp1 = (v: number) => Math.max(-1, Math.min(1, v));

/** Normalised features: 1 means "does exactly what the dataset's motion does"; doing more than
 * that (a blob that starts fragmented seems to grow more) is not held against the match. */
function normalised(m: MotionFeatures): number[] {
  return [m.dx / TRAVEL, m.dy / TRAVEL, m.bounce / BOUNCE, m.growth / GROWTH, m.turn / TURN].map(clamp1);
}

const IDEAL: Record<Motion, number[]> = {
  "moving left": [-1, 0, 0, 0, 0],
  "moving right": [1, 0, 0, 0, 0],
  "moving up": [0, -1, 0, 0, 0],
  "moving down": [0, 1, 0, 0, 0],
  bouncing: [0, 0, 1, 0, 0],
  growing: [0, 0, 0, 1, 0],
  rotating: [0, 0, 0, 0, 1],
};
/** How far the features are from each motion's ideal (0 = perfect match). */
export function motionDistances(m: MotionFeatures): Record<Motion, number> {
  const n = normalised(m);
  const out = {} as Record<Motion, number>;
  for (const motion of MOTIONS) {
    // only a turned fit counts against the other motions: upright fitting better is what they
    // predict, and symmetric shapes (circles) tie, which must not favour one of them
    const ideal = IDEAL[motion];
    let d = 0;
    for (let i = 0; i < n.length; i++) {
      const diff = i === 4 && motion !== "rotating" ? Math.max(0, n[i]!) : n[i]! - ideal[i]!;
      d += diff * diff;
    }
    out[motion] = Math.sqrt(d);
  }
  return out;
}

/** The motion the features show, or null when none is close. */
export function readMotion(features: MotionFeatures): Motion | null {
  const d = motionDistances(features);
  let best: Motion = MOTIONS[0];
  for (const m of MOTIONS) if (d[m] < d[best]) best = m;
  return d[best] <= MAX_MISMATCH ? best : null;
}
