// Which kind a blob is: the dataset's own `inside(kind, u, v)` rendered at the blob's centroid (turned by
// the view's angle), at radii fitted from its area, compared by IoU; the best-overlapping kind wins.
// Digits are read the same way with only the ten digit templates.
import { DIGITS, KINDS, inside, type Kind } from "../../model/shapes/dataset.js";
import { findBlob, type Blob } from "./blobs.js";

interface UnitStats { area: number; cu: number; cv: number; raster: Uint8Array }

// Each unit shape (radius 1) rasterised once with the dataset's `inside` over [-EXTENT, EXTENT]^2:
// matching then costs a table read per pixel. Area and centroid come from the same raster, and the
// template is placed so that its centroid, not its nominal centre, sits on the blob's centroid
// (digits are not centred on their ink).
const EXTENT = 1.5;
const RES = 64; // raster cells per unit radius: far finer than a glyph cell (2/7)
const SIDE = 2 * EXTENT * RES;
const UNIT = new Map<Kind, UnitStats>(KINDS.map((k) => {
  const raster = new Uint8Array(SIDE * SIDE);
  let n = 0, su = 0, sv = 0;
  for (let j = 0; j < SIDE; j++) {
    const v = (j + 0.5) / RES - EXTENT;
    for (let i = 0; i < SIDE; i++) {
      const u = (i + 0.5) / RES - EXTENT;
      if (inside(k, u, v)) { raster[j * SIDE + i] = 1; n++; su += u; sv += v; }
    }
  }
  return [k, { area: n / (RES * RES), cu: su / n, cv: sv / n, raster }];
}));

/** Radius multipliers tried around the area estimate: blur thins strokes and rounds corners. */
const SCALES = [0.9, 1, 1.1, 1.2];

export interface View { blob: Blob; angle: number }

/** Intersection and union of a blob with one template (radius r px, turned by angle). */
function overlap(b: Blob, kind: Kind, r: number, angle: number, width: number, height: number, sx = 0, sy = 0): [number, number] {
  const st = UNIT.get(kind)!;
  const cos = Math.cos(angle), sin = Math.sin(angle);
  // nominal centre = blob centroid minus the unit centroid turned and scaled into pixels
  const cx = b.cx + sx - r * (st.cu * cos - st.cv * sin), cy = b.cy + sy - r * (st.cu * sin + st.cv * cos);
  const reach = 1.3 * r;
  const x0 = Math.max(0, Math.floor(cx - reach)), x1 = Math.min(width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach)), y1 = Math.min(height - 1, Math.ceil(cy + reach));
  const k = RES / r, raster = st.raster, off = EXTENT * RES;
  const { x0: bx, y0: by, w: bw, h: bh, mask } = b;
  let t = 0, inter = 0;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    // raster coordinates of the pixel centre turned back into the shape's own frame, stepped along x
    let fu = ((x0 + 0.5 - cx) * cos + dy * sin) * k + off, fv = (-(x0 + 0.5 - cx) * sin + dy * cos) * k + off;
    const du = cos * k, dv = -sin * k;
    const row = y - by, rowIn = row >= 0 && row < bh;
    for (let x = x0; x <= x1; x++, fu += du, fv += dv) {
      if (fu < 0 || fv < 0 || fu >= SIDE || fv >= SIDE || raster[Math.floor(fv) * SIDE + Math.floor(fu)] === 0) continue;
      t++;
      const col = x - bx;
      if (rowIn && col >= 0 && col < bw && mask[row * bw + col] === 1) inter++;
    }
  }
  return [inter, t + b.area - inter];
}

/** Sub-pixel template offsets for a single sharp mask, where pixel-grid aliasing of 2-3 px glyph
 * cells moves the centroid off the template's; pooled clip views average that out without them. */
const SHIFTS: [number, number][] = [-0.35, 0, 0.35].flatMap((y) => [-0.35, 0, 0.35].map((x): [number, number] => [x, y]));

/** Pooled IoU of one kind over the views (bigger views weigh more), at each view's best radius. */
export function kindIoU(views: View[], kind: Kind, width: number, height: number, shifts: [number, number][] = [[0, 0]]): number {
  let inter = 0, union = 0;
  const unitArea = UNIT.get(kind)!.area;
  for (const { blob, angle } of views) {
    const r0 = Math.sqrt(blob.area / unitArea);
    let best: [number, number] = [0, 1];
    for (const s of SCALES) {
      for (const [sx, sy] of shifts) {
        const o = overlap(blob, kind, r0 * s, angle, width, height, sx, sy);
        if (o[0] * best[1] > best[0] * o[1]) best = o;
      }
    }
    inter += best[0]; union += best[1];
  }
  return union === 0 ? 0 : inter / union;
}

/** The best kind among `candidates` and its IoU; null without views. */
export function bestKind(
  views: View[], width: number, height: number, candidates: readonly Kind[] = KINDS, shifts?: [number, number][],
): { kind: Kind; iou: number } | null {
  if (views.length === 0) return null;
  let best: { kind: Kind; iou: number } | null = null;
  for (const k of candidates) {
    const iou = kindIoU(views, k, width, height, shifts);
    if (!best || iou > best.iou) best = { kind: k, iou };
  }
  return best;
}

/**
 * The digit a binary mask (width*height bytes, 1 = ink, one upright glyph) shows, by template
 * matching against the dataset's font; null when there is no ink or nothing overlaps well.
 */
export function readDigit(mask: Uint8Array, width: number, height: number, minIoU = 0.4): string | null {
  const blob = findBlob(mask, 0, width, height, 1, 1, width * height, new Uint8Array(width * height), new Int32Array(width * height));
  if (!blob) return null;
  const best = bestKind([{ blob, angle: 0 }], width, height, DIGITS, SHIFTS);
  return best && best.iou >= minIoU ? best.kind : null;
}
