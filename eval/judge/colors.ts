// Pixel colour classification for the judge. First every pixel goes to its nearest palette colour,
// or NONE when far from all (edge blends, blur, noise); the border's dominant colour is the
// background. Then, knowing the background, every pixel is explained as a blend of the background and
// one palette colour (anti-aliasing, blur, a soft VAE): it belongs to that colour when it is more
// than halfway towards it. That keeps thin digit strokes whole once softened. 32^3 lookup tables make
// both one array read per pixel.
import { COLOR_NAMES, PALETTE, type ColorName } from "../../model/shapes/dataset.js";

export const NONE = 255;

/** Largest "redmean" distance still counted as a palette colour. Palette neighbours (orange/yellow)
 * sit ~150 apart, so ~0.7 of that tolerates VAE colour drift while a 50/50 edge blend mostly fails. */
export const MAX_DISTANCE = 105;

const RGB = COLOR_NAMES.map((c) => PALETTE[c]);

/** The "redmean" weighted RGB distance: cheap, and closer to perceived difference than plain RGB. */
export function colorDistance(r: number, g: number, b: number, p: readonly [number, number, number]): number {
  const rm = (r + p[0]) / 2;
  const dr = r - p[0], dg = g - p[1], db = b - p[2];
  return Math.sqrt((2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db);
}

function nearestIndex(r: number, g: number, b: number): number {
  let best = NONE, bestD = MAX_DISTANCE;
  for (let i = 0; i < RGB.length; i++) {
    const d = colorDistance(r, g, b, RGB[i]!);
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

// 5 bits per channel, each bin classified at its centre: a bin is 8 levels wide, far below MAX_DISTANCE
const LUT = new Uint8Array(32 * 32 * 32);
for (let r = 0; r < 32; r++) for (let g = 0; g < 32; g++) for (let b = 0; b < 32; b++) {
  LUT[(r << 10) | (g << 5) | b] = nearestIndex(r * 8 + 4, g * 8 + 4, b * 8 + 4);
}

/** The palette colour a pixel shows, or null when it is too far from all of them. */
export function nearestPaletteColor(r: number, g: number, b: number): ColorName | null {
  const i = nearestIndex(r, g, b);
  return i === NONE ? null : COLOR_NAMES[i]!;
}

export const colorIndex = (c: ColorName): number => COLOR_NAMES.indexOf(c);

/** One class byte per pixel (palette index or NONE), same frame/row/column order as the RGB bytes. */
export function classifyPixels(rgb: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0, o = 0; i < pixels; i++, o += 3) {
    out[i] = LUT[((rgb[o]! >> 3) << 10) | ((rgb[o + 1]! >> 3) << 5) | (rgb[o + 2]! >> 3)]!;
  }
  return out;
}

/**
 * The dominant class on the frame borders, over all frames. It must hold over a third of the border
 * (shapes may touch it, drifted pixels may classify as nothing) and twice the runner-up's share, else
 * null: a noise frame has no background.
 */
export function borderColor(cls: Uint8Array, width: number, height: number, frames: number): ColorName | null {
  const counts = new Array<number>(COLOR_NAMES.length).fill(0);
  let total = 0;
  const add = (i: number) => { total++; const c = cls[i]!; if (c !== NONE) counts[c]!++; };
  for (let f = 0; f < frames; f++) {
    const base = f * width * height;
    for (let x = 0; x < width; x++) { add(base + x); if (height > 1) add(base + (height - 1) * width + x); }
    for (let y = 1; y < height - 1; y++) { add(base + y * width); if (width > 1) add(base + y * width + width - 1); }
  }
  const order = counts.map((n, i) => [n, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const [first, second] = [order[0]!, order[1]!];
  return first[0] * 3 > total && first[0] >= 2 * second[0] ? COLOR_NAMES[first[1]]! : null;
}

/** Off-line tolerance (plain RGB) for a pixel to count as a blend of background and a colour. */
const BLEND_RESIDUAL = 50;

function blendIndex(r: number, g: number, b: number, bg: readonly [number, number, number], bgIndex: number): number {
  let best = NONE, bestE = BLEND_RESIDUAL * BLEND_RESIDUAL, bestA = 0;
  const pr = r - bg[0], pg = g - bg[1], pb = b - bg[2];
  for (let i = 0; i < RGB.length; i++) {
    if (i === bgIndex) continue;
    const c = RGB[i]!;
    const d0 = c[0] - bg[0], d1 = c[1] - bg[1], d2 = c[2] - bg[2];
    // closest point on the background-to-colour segment
    const a = Math.min(1, Math.max(0, (pr * d0 + pg * d1 + pb * d2) / (d0 * d0 + d1 * d1 + d2 * d2)));
    const e0 = pr - a * d0, e1 = pg - a * d1, e2 = pb - a * d2;
    const e = e0 * e0 + e1 * e1 + e2 * e2;
    if (e < bestE) { bestE = e; best = i; bestA = a; }
  }
  // the nearest explanation wins; its colour owns the pixel only past the halfway mark
  return bestA >= 0.5 ? best : NONE;
}

const BLEND_LUTS = new Map<number, Uint8Array>();
function blendLut(bgIndex: number): Uint8Array {
  let lut = BLEND_LUTS.get(bgIndex);
  if (!lut) {
    lut = new Uint8Array(32 * 32 * 32);
    const bg = RGB[bgIndex]!;
    for (let r = 0; r < 32; r++) for (let g = 0; g < 32; g++) for (let b = 0; b < 32; b++) {
      lut[(r << 10) | (g << 5) | b] = blendIndex(r * 8 + 4, g * 8 + 4, b * 8 + 4, bg, bgIndex);
    }
    BLEND_LUTS.set(bgIndex, lut);
  }
  return lut;
}

/**
 * The background and one class byte per pixel (palette index of the shape colour it shows, or NONE
 * for background and unexplained pixels). Without a clear background, nearest-colour classes.
 */
export function classifyClip(rgb: Uint8Array, width: number, height: number, frames: number): { background: ColorName | null; classes: Uint8Array } {
  const nearest = classifyPixels(rgb, width * height * frames);
  const background = borderColor(nearest, width, height, frames);
  if (!background) return { background, classes: nearest };
  const lut = blendLut(colorIndex(background));
  const classes = nearest; // rewritten in place: the nearest classes are not needed any more
  for (let i = 0, o = 0; i < classes.length; i++, o += 3) {
    classes[i] = lut[((rgb[o]! >> 3) << 10) | ((rgb[o + 1]! >> 3) << 5) | (rgb[o + 2]! >> 3)]!;
  }
  return { background, classes };
}
