// A deterministic judge: reads a (possibly blurry, rescaled) clip and says whether it shows what its
// spec says — background colour, and per shape its colour, kind and motion. No models, no randomness:
// palette classification, connected components, template IoU against the dataset's own shapes, and
// least-squares trajectory features. Built to grade generated clips against their captions.
import { DIGITS, KINDS, type ClipSpec, type ColorName, type Kind, type Motion } from "../../model/shapes/dataset.js";
import { findBlob, type Blob } from "./blobs.js";
import { classifyClip, colorIndex } from "./colors.js";
import { bestKind, type View } from "./kind.js";
import { motionFeatures, readMotion } from "./motion.js";

export { nearestPaletteColor } from "./colors.js";
export { readDigit } from "./kind.js";

export interface ClipFrames { rgb: Uint8Array; width: number; height: number; frames: number } // layout as renderClip
export interface ShapeVerdict {
  expected: { color: ColorName; kind: Kind; motion: Motion };
  found: boolean; kind: Kind | null; motion: Motion | null;
  colorOk: boolean; kindOk: boolean; motionOk: boolean;
}
export interface Judgement {
  background: ColorName | null; backgroundOk: boolean;
  shapes: ShapeVerdict[];
  /** fraction correct over the clip's attributes: background + per shape (colour, kind, motion) */
  accuracy: number;
  /** 1-5: 1 + 4 * accuracy, rounded to one decimal */
  score: number;
  /** digits in the spec read back by template matching: [expected, read] pairs */
  digits: { expected: string; read: string | null }[];
}

/** A blob below this fraction of the frame is a speck (the smallest shape, a growing "1", is ~0.3%). */
const MIN_AREA = 0.0012;
/** A blob above this fraction is a background, not a shape (the largest shape is ~12%). */
const MAX_AREA = 0.3;
/** Frames the kind is read on, spread over the clip (more only cost time). */
const KIND_VIEWS = 5;

export interface ShapeReading {
  found: boolean; blobs: (Blob | null)[]; kind: Kind | null; kindIoU: number; motion: Motion | null;
  /** pooled IoU gain of templates turned by the rotation schedule over upright ones */
  turn: number;
}

/** Everything the judge reads about the shape of one colour in a classified clip. */
export function readShape(classes: Uint8Array, clip: ClipFrames, color: ColorName, background: ColorName | null): ShapeReading {
  const { width: W, height: H, frames: F } = clip;
  const none: ShapeReading = { found: false, blobs: [], kind: null, kindIoU: 0, motion: null, turn: 0 };
  if (color === background) return none; // a shape the colour of the background cannot be seen
  const seen = new Uint8Array(W * H), stack = new Int32Array(W * H);
  const minArea = Math.max(4, MIN_AREA * W * H), maxArea = MAX_AREA * W * H;
  const gap = Math.max(1, Math.round(H / 32)); // ~2 px at the model's 64 rows
  const cls = colorIndex(color);
  const blobs: (Blob | null)[] = [];
  for (let f = 0; f < F; f++) blobs.push(findBlob(classes, f * W * H, W, H, cls, minArea, maxArea, seen, stack, gap));
  const foundFrames = blobs.flatMap((b, f) => (b ? [f] : []));
  if (foundFrames.length * 2 < F) return { ...none, blobs };

  // views spread over the clip; each kind is fitted upright and turned by the dataset's rotation
  // schedule (pi * progress): which of the two fits better is the rotation evidence
  const upright: View[] = [], turned: View[] = [];
  const n = Math.min(KIND_VIEWS, foundFrames.length);
  for (let i = 0; i < n; i++) {
    const f = foundFrames[Math.round((i * (foundFrames.length - 1)) / Math.max(1, n - 1))]!;
    upright.push({ blob: blobs[f]!, angle: 0 });
    turned.push({ blob: blobs[f]!, angle: (Math.PI * f) / Math.max(1, F - 1) });
  }
  const up = bestKind(upright, W, H, KINDS)!, turn = bestKind(turned, W, H, KINDS)!;
  const features = motionFeatures(blobs, W, H);
  const motion = features ? readMotion({ ...features, turn: turn.iou - up.iou }) : null;
  const best = motion === "rotating" ? turn : up;
  return { found: true, blobs, kind: best.kind, kindIoU: best.iou, motion, turn: turn.iou - up.iou };
}

export function judgeClip(clip: ClipFrames, spec: ClipSpec): Judgement {
  const { width: W, height: H, frames: F } = clip;
  if (W < 1 || H < 1 || F < 1) throw new Error(`empty clip (${W}x${H}x${F})`);
  if (clip.rgb.length !== W * H * F * 3) throw new Error(`clip has ${clip.rgb.length} bytes, expected ${W * H * F * 3}`);
  const { background, classes } = classifyClip(clip.rgb, W, H, F);
  const shapes: ShapeVerdict[] = spec.shapes.map((s) => {
    const r = readShape(classes, clip, s.color, background);
    return {
      expected: { color: s.color, kind: s.kind, motion: s.motion },
      found: r.found, kind: r.kind, motion: r.motion,
      colorOk: r.found, kindOk: r.kind === s.kind, motionOk: r.motion === s.motion,
    };
  });
  const backgroundOk = background === spec.background;
  let right = backgroundOk ? 1 : 0;
  for (const s of shapes) right += Number(s.colorOk) + Number(s.kindOk) + Number(s.motionOk);
  const accuracy = right / (1 + 3 * shapes.length);
  const digits = shapes
    .filter((s) => (DIGITS as readonly string[]).includes(s.expected.kind))
    .map((s) => ({ expected: s.expected.kind as string, read: s.kind !== null && (DIGITS as readonly string[]).includes(s.kind) ? s.kind : null }));
  return { background, backgroundOk, shapes, accuracy, score: Math.round((1 + 4 * accuracy) * 10) / 10, digits };
}
