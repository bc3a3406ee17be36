// The kinema-shapes dataset: procedural clips of one to three shapes (circle, square, triangle, the
// digits 0-9) in a fixed palette on a plain background, each with a motion, and a caption from
// templates. Everything comes from one index, so the ground truth of every clip is known: training
// streams clips from indexes [0, 1e8), the eval renders its golden clips from indexes >= 1e9.
// Positions are fractions of the frame, so one spec renders at any size and frame count.
import { glyphCell } from "./font.js";

export const PALETTE = {
  red: [220, 40, 40], orange: [245, 140, 20], yellow: [245, 215, 40], green: [40, 170, 70],
  blue: [40, 90, 225], purple: [145, 60, 205], white: [245, 245, 245], black: [20, 20, 20],
} as const satisfies Record<string, readonly [number, number, number]>;
export type ColorName = keyof typeof PALETTE;
export const COLOR_NAMES = Object.keys(PALETTE) as ColorName[];

export const SHAPE_KINDS = ["circle", "square", "triangle"] as const;
export const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;
export type Kind = (typeof SHAPE_KINDS)[number] | (typeof DIGITS)[number];
export const KINDS: readonly Kind[] = [...SHAPE_KINDS, ...DIGITS];

export const MOTIONS = ["moving left", "moving right", "moving up", "moving down", "bouncing", "growing", "rotating"] as const;
export type Motion = (typeof MOTIONS)[number];

export interface ShapeSpec {
  kind: Kind;
  color: ColorName;
  motion: Motion;
  /** centre at the start, as fractions of width and height */
  x: number;
  y: number;
  /** radius as a fraction of the frame height */
  size: number;
}

export interface ClipSpec { index: number; background: ColorName; shapes: ShapeSpec[]; caption: string }

/** Where a shape is at progress p in [0, 1] (first to last frame), in fractions of the frame. */
export interface ShapeState { x: number; y: number; scale: number; angle: number }

const TRAVEL_X = 0.4; // of the width, over the clip
const TRAVEL_Y = 0.4; // of the height
const BOUNCE = 0.3;

export function shapeStateAt(s: ShapeSpec, p: number): ShapeState {
  const state = { x: s.x, y: s.y, scale: 1, angle: 0 };
  switch (s.motion) {
    case "moving left": state.x -= TRAVEL_X * p; break;
    case "moving right": state.x += TRAVEL_X * p; break;
    case "moving up": state.y -= TRAVEL_Y * p; break;
    case "moving down": state.y += TRAVEL_Y * p; break;
    case "bouncing": state.y -= BOUNCE * Math.abs(Math.sin(2 * Math.PI * p)); break;
    case "growing": state.scale = 0.6 + 0.8 * p; break;
    case "rotating": state.angle = Math.PI * p; break;
  }
  return state;
}

/** A small deterministic PRNG (mulberry32) seeded through splitmix32 of the clip index. */
export function rngFor(index: number, stream = 0): () => number {
  let z = (Math.imul(index >>> 0, 0x9e3779b9) ^ Math.imul((index / 2 ** 32) >>> 0, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b); z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35); z ^= z >>> 16;
  let a = z >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** The clip of one index: layout, motion and caption. Shapes never overlap and stay in the frame. */
export function sampleClip(index: number): ClipSpec {
  const rand = rngFor(index);
  const background = pick(rand, COLOR_NAMES);
  const wanted = rand() < 0.55 ? 1 : rand() < 0.65 ? 2 : 3;
  for (let count = wanted; count >= 1; count--) {
    for (let attempt = 0; attempt < 60; attempt++) {
      const shapes = sampleShapes(rand, background, count);
      if (fits(shapes)) return { index, background, shapes, caption: captionFor(shapes, background, rand) };
    }
  }
  throw new Error(`clip ${index}: no layout fits`); // unreachable: one shape always fits eventually
}

function sampleShapes(rand: () => number, background: ColorName, count: number): ShapeSpec[] {
  const colors = COLOR_NAMES.filter((c) => c !== background);
  const shapes: ShapeSpec[] = [];
  for (let i = 0; i < count; i++) {
    // shapes are the common case; digits are a fifth of the shapes (the legibility check)
    const kind = rand() < 0.8 ? pick(rand, SHAPE_KINDS) : pick(rand, DIGITS);
    const motions = kind === "circle" ? MOTIONS.filter((m) => m !== "rotating") : MOTIONS;
    const color = pick(rand, colors.filter((c) => !shapes.some((s) => s.color === c)));
    shapes.push({
      kind, color, motion: pick(rand, motions),
      x: 0.12 + 0.76 * rand(), y: 0.18 + 0.64 * rand(), size: (count === 1 ? 0.17 : 0.14) + 0.05 * rand(),
    });
  }
  return shapes;
}

const SAMPLES = 9;
const aspect = 112 / 64;

/** Every shape inside the frame and apart from the others at every sampled moment. */
function fits(shapes: ShapeSpec[]): boolean {
  for (let k = 0; k < SAMPLES; k++) {
    const p = k / (SAMPLES - 1);
    const states = shapes.map((s) => ({ st: shapeStateAt(s, p), r: s.size * (s.motion === "growing" ? 1.4 : 1) }));
    for (const { st, r } of states) {
      const rx = (r * 1.15) / aspect;
      if (st.x - rx < 0.02 || st.x + rx > 0.98 || st.y - r * 1.15 < 0.03 || st.y + r * 1.15 > 0.97) return false;
    }
    for (let i = 0; i < states.length; i++) {
      for (let j = i + 1; j < states.length; j++) {
        const a = states[i]!, b = states[j]!;
        const dx = (a.st.x - b.st.x) * aspect, dy = a.st.y - b.st.y;
        if (Math.hypot(dx, dy) < (a.r + b.r) * 1.25 + 0.04) return false;
      }
    }
  }
  return true;
}

export function noun(kind: Kind): string {
  return (DIGITS as readonly string[]).includes(kind) ? `digit ${kind}` : kind;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a");

const SINGLE = [
  (s: string, bg: string) => `${s} on ${article(bg)} ${bg} background`,
  (s: string, bg: string) => `${s} against ${article(bg)} ${bg} background`,
  (s: string, bg: string) => `${s}, ${bg} background`,
];

export function captionFor(shapes: ShapeSpec[], background: ColorName, rand: () => number = () => 0): string {
  const parts = shapes.map((s) => `${article(s.color)} ${s.color} ${noun(s.kind)} ${s.motion}`);
  const subject = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
  return pick(rand, SINGLE)(subject, background);
}

export interface RenderSize { width: number; height: number; frames: number }

/** RGB bytes, frame-major then rows then columns, with 2x2 supersampled edges. */
export function renderClip(spec: ClipSpec, size: RenderSize): Uint8Array {
  const { width: W, height: H, frames: F } = size;
  const out = new Uint8Array(F * H * W * 3);
  const bg = PALETTE[spec.background];
  const cover = new Float32Array(H * W);
  for (let f = 0; f < F; f++) {
    const base = f * H * W * 3;
    for (let i = 0; i < H * W; i++) out.set(bg, base + i * 3);
    const p = F === 1 ? 0 : f / (F - 1);
    for (const shape of spec.shapes) {
      coverage(shape, shapeStateAt(shape, p), W, H, cover);
      const rgb = PALETTE[shape.color];
      for (let i = 0; i < H * W; i++) {
        const a = cover[i]!;
        if (a === 0) continue;
        for (let c = 0; c < 3; c++) {
          const o = base + i * 3 + c;
          out[o] = Math.round(out[o]! * (1 - a) + rgb[c]! * a);
        }
      }
    }
  }
  return out;
}

const SUB = [0.25, 0.75];

/** Fraction of each pixel the shape covers (0, 0.25, ..., 1); only its bounding box is visited. */
function coverage(shape: ShapeSpec, st: ShapeState, W: number, H: number, cover: Float32Array): void {
  cover.fill(0);
  const r = shape.size * st.scale * H; // in pixels
  const cx = st.x * W, cy = st.y * H;
  const cos = Math.cos(st.angle), sin = Math.sin(st.angle);
  const reach = r * 1.5;
  const x0 = Math.max(0, Math.floor(cx - reach)), x1 = Math.min(W - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach)), y1 = Math.min(H - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let hits = 0;
      for (const sy of SUB) {
        for (const sx of SUB) {
          const dx = x + sx - cx, dy = y + sy - cy;
          // into the shape's own frame (undo the rotation), in units of its radius
          const u = (dx * cos + dy * sin) / r, v = (-dx * sin + dy * cos) / r;
          if (inside(shape.kind, u, v)) hits++;
        }
      }
      cover[y * W + x] = hits / 4;
    }
  }
}

const SQRT3 = Math.sqrt(3);

/** Whether (u, v), in radii from the centre (v down), is inside the unit shape. */
export function inside(kind: Kind, u: number, v: number): boolean {
  switch (kind) {
    case "circle": return u * u + v * v <= 1;
    case "square": return Math.abs(u) <= 0.86 && Math.abs(v) <= 0.86;
    case "triangle": {
      // equilateral, pointing up, circumradius 1.15, centred on its centroid
      const R = 1.15;
      return v <= R / 2 && SQRT3 * u - v <= R && -SQRT3 * u - v <= R;
    }
    default: return glyphCell(kind, u, v);
  }
}
