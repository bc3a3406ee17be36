// One shape's footprint in one frame: the largest connected component of its colour, plus the
// nearby fragments that blur breaks off thin digit strokes, as a cropped mask with its moments.

export interface Blob {
  /** pixels in the mask */
  area: number;
  /** centroid in pixel coordinates (pixel centres at +0.5) */
  cx: number;
  cy: number;
  /** the cropped mask: w*h bytes (0/1) whose top-left pixel is (x0, y0) */
  x0: number;
  y0: number;
  w: number;
  h: number;
  mask: Uint8Array;
}

/** Fragments smaller than this never join a blob: isolated noise pixels. */
const MIN_FRAGMENT = 2;
/** Blobs filling less of their box than this are scatter, not a shape: a thin digit fills ~0.3 of
 * its box, a blurred one > 0.17; speckle clusters in a noise frame 0.05-0.2 (median 0.1). */
const MIN_DENSITY = 0.12;
/** Fragments join when their centroid lies within the main component's box grown by this fraction. */
const JOIN_MARGIN = 0.5;

interface Component { pixels: number[]; x0: number; y0: number; x1: number; y1: number; sx: number; sy: number }

/**
 * The blob of class `cls` in the frame starting at `offset`, or null when its largest component is
 * below `minArea` pixels (or above `maxArea`, i.e. it is the background, not a shape). Pixels up to
 * `gap` apart (Chebyshev) are connected: the corner-to-corner joints of digit strokes come apart
 * by a pixel or two once anti-aliased or blurred.
 */
export function findBlob(
  classes: Uint8Array, offset: number, width: number, height: number, cls: number, minArea: number, maxArea: number,
  seen: Uint8Array, stack: Int32Array, gap = 1,
): Blob | null {
  const comps: Component[] = [];
  seen.fill(0);
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || classes[offset + start] !== cls) continue;
    const comp: Component = { pixels: [], x0: width, y0: height, x1: -1, y1: -1, sx: 0, sy: 0 };
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width, y = (p - x) / width;
      comp.pixels.push(p);
      comp.sx += x; comp.sy += y;
      if (x < comp.x0) comp.x0 = x;
      if (x > comp.x1) comp.x1 = x;
      if (y < comp.y0) comp.y0 = y;
      if (y > comp.y1) comp.y1 = y;
      for (let dy = -gap; dy <= gap; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -gap; dx <= gap; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (!seen[q] && classes[offset + q] === cls) { seen[q] = 1; stack[top++] = q; }
        }
      }
    }
    if (comp.pixels.length >= MIN_FRAGMENT) comps.push(comp);
  }
  if (comps.length === 0) return null;
  let main = comps[0]!;
  for (const c of comps) if (c.pixels.length > main.pixels.length) main = c;
  if (main.pixels.length < minArea || main.pixels.length > maxArea) return null;

  const mx = JOIN_MARGIN * (main.x1 - main.x0 + 1), my = JOIN_MARGIN * (main.y1 - main.y0 + 1);
  const parts = comps.filter((c) => {
    if (c === main) return true;
    const cx = c.sx / c.pixels.length, cy = c.sy / c.pixels.length;
    return cx >= main.x0 - mx && cx <= main.x1 + mx && cy >= main.y0 - my && cy <= main.y1 + my;
  });
  let x0 = width, y0 = height, x1 = -1, y1 = -1, sx = 0, sy = 0, area = 0;
  for (const c of parts) {
    x0 = Math.min(x0, c.x0); y0 = Math.min(y0, c.y0); x1 = Math.max(x1, c.x1); y1 = Math.max(y1, c.y1);
    sx += c.sx; sy += c.sy; area += c.pixels.length;
  }
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  if (area < MIN_DENSITY * w * h) return null;
  const mask = new Uint8Array(w * h);
  for (const c of parts) for (const p of c.pixels) mask[(Math.floor(p / width) - y0) * w + (p % width) - x0] = 1;
  return { area, cx: sx / area + 0.5, cy: sy / area + 0.5, x0, y0, w, h, mask };
}

/** Whether pixel (x, y) of the frame is in the blob. */
export const inBlob = (b: Blob, x: number, y: number): boolean =>
  x >= b.x0 && y >= b.y0 && x < b.x0 + b.w && y < b.y0 + b.h && b.mask[(y - b.y0) * b.w + x - b.x0] === 1;

