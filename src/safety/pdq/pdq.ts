// PDQ perceptual hash (Meta's ThreatExchange `pdq/`, BSD licence): a port of the reference hasher.
//
//   luminance (Y = 0.299 R + 0.587 G + 0.114 B)
//   -> Jarosz tent filter: box along rows, box along columns, twice, with window ceil(dim / 128)
//   -> decimate to 64x64 (the pixel at the centre of each cell)
//   -> quality: quantised gradient sum of the 64x64 image / 90, capped at 100
//   -> DCT, keeping coefficients (1..16) x (1..16)
//   -> bit (i, j) set when coefficient (i, j) is above the median of the 256
//
// The arithmetic follows the Python reference (pdqhashing, in doubles) operation for operation: the same
// running sums in the same order, the same divisions, the same DCT accumulation order; so the same luma
// gives the same bits. One thing is taken from the C++ reference: images under 5 pixels on a side hash to
// all zeros with quality 0. (The C++ reference also computes in 32-bit floats and scales its DCT matrix by
// sqrt(2/64); neither moves a coefficient across the median beyond rounding-level ties.) Not taken from
// the Python reference: its `fromFile` first shrinks an image to fit 512x512 with Pillow; that is a
// decoder step, left to the caller.
//
// Speed: the filter is computed in the order rows(1), cols(1), rows(2), cols(2) exactly as the reference
// does, but the last two passes only keep what the decimation reads (each output of a box pass depends on
// its own line only, so this changes no value): the column pass runs over all columns at once, row after
// row, and each row it emits goes straight through the second row pass, of which only the 64 sampled
// columns are kept; the second column pass then runs on those 64 columns. Buffers are reused between
// calls (the function is synchronous, so one workspace serves a whole process).

export interface PdqHash {
  /** 64 hex digits: 16 words of 16 bits, most significant word (DCT row 15) first */
  hash: string;
  /** 0..100; PDQ discards hashes of quality below 50 */
  quality: number;
}

const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;
const MIN_HASHABLE_DIM = 5;
const WINDOW_DIVISOR = 128; // two passes of half a 64th of the image each
const ZERO_HASH = "0".repeat(64);

/** DCT-II basis rows 1..16 over 64 samples, unscaled as in the Python reference. */
const DCT = (() => {
  const d = new Float64Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) d[i * 64 + j] = Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
  }
  return d;
})();

class Workspace {
  width = 0;
  height = 0;
  full = new Float64Array(0); // rows(1) output, height x width
  row = new Float64Array(0); // one row: luma, then a column-pass output row
  row2 = new Float64Array(0); // one row: second row-pass output
  colSums = new Float64Array(0); // running sums of the column pass, one per column
  sampled = new Float64Array(0); // second row-pass output at the 64 sampled columns, height x 64
  sampled2 = new Float64Array(0); // the same after the second column pass
  colIndex = new Int32Array(64);
  rowIndex = new Int32Array(64);
  readonly block = new Float64Array(64 * 64);
  readonly t16x64 = new Float64Array(16 * 64);
  readonly dct16 = new Float64Array(256);
  readonly sorted = new Float64Array(256);

  resize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.full = new Float64Array(width * height);
    this.row = new Float64Array(width);
    this.row2 = new Float64Array(width);
    this.colSums = new Float64Array(width);
    this.sampled = new Float64Array(height * 64);
    this.sampled2 = new Float64Array(height * 64);
    // decimation: the input pixel at the centre of each output cell
    for (let k = 0; k < 64; k++) {
      this.rowIndex[k] = Math.trunc(((k + 0.5) * height) / 64);
      this.colIndex[k] = Math.trunc(((k + 0.5) * width) / 64);
    }
  }
}

const workspace = new Workspace();

/** Window size of each box pass along a dimension: ceil(dimension / 128). */
export function jaroszWindowSize(dimension: number): number {
  return Math.trunc((dimension + WINDOW_DIVISOR - 1) / WINDOW_DIVISOR);
}

/**
 * The reference's one-dimensional box filter (box1DFloat): a running sum over a window that is centred
 * (for odd sizes; one to the right for even), shrunk at both ends, divided by the number of samples in it.
 */
function box1D(input: Float64Array, inStart: number, output: Float64Array, outStart: number, length: number, stride: number, window: number): void {
  const half = Math.trunc((window + 2) / 2); // 7 -> 4, 8 -> 5
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = length - window;
  const phase4 = half - 1;
  let li = inStart;
  let ri = inStart;
  let oi = outStart;
  let sum = 0;
  let current = 0;
  for (let i = 0; i < phase1; i++) {
    sum += input[ri]!;
    current++;
    ri += stride;
  }
  for (let i = 0; i < phase2; i++) {
    sum += input[ri]!;
    current++;
    output[oi] = sum / current;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase3; i++) {
    sum += input[ri]!;
    sum -= input[li]!;
    output[oi] = sum / current;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase4; i++) {
    sum -= input[li]!;
    current--;
    output[oi] = sum / current;
    li += stride;
    oi += stride;
  }
}

/** Second row pass on one column-pass output row; keeps the 64 sampled columns. */
function secondRowPass(ws: Workspace, rowIndex: number, rowWindow: number): void {
  box1D(ws.row, 0, ws.row2, 0, ws.width, 1, rowWindow);
  const base = rowIndex * 64;
  const { sampled, row2, colIndex } = ws;
  for (let k = 0; k < 64; k++) sampled[base + k] = row2[colIndex[k]!]!;
}

/**
 * The first column pass (box1D down every column, all columns advanced together one row at a time: the
 * same sums in the same order as the reference), each finished row handed to the second row pass.
 */
function firstColumnPassThenRows(ws: Workspace, colWindow: number, rowWindow: number): void {
  const { width, height, full, colSums: sums, row } = ws;
  sums.fill(0);
  const half = Math.trunc((colWindow + 2) / 2);
  const phase1 = half - 1;
  const phase2 = colWindow - half + 1;
  const phase3 = height - colWindow;
  const phase4 = half - 1;
  let li = 0;
  let ri = 0;
  let oi = 0;
  let current = 0;
  for (let i = 0; i < phase1; i++) {
    const r = ri * width;
    for (let c = 0; c < width; c++) sums[c] = sums[c]! + full[r + c]!;
    current++;
    ri++;
  }
  for (let i = 0; i < phase2; i++) {
    const r = ri * width;
    current++;
    for (let c = 0; c < width; c++) {
      const s = sums[c]! + full[r + c]!;
      sums[c] = s;
      row[c] = s / current;
    }
    secondRowPass(ws, oi, rowWindow);
    ri++;
    oi++;
  }
  for (let i = 0; i < phase3; i++) {
    const r = ri * width;
    const l = li * width;
    for (let c = 0; c < width; c++) {
      let s = sums[c]! + full[r + c]!;
      s -= full[l + c]!;
      sums[c] = s;
      row[c] = s / current;
    }
    secondRowPass(ws, oi, rowWindow);
    li++;
    ri++;
    oi++;
  }
  for (let i = 0; i < phase4; i++) {
    const l = li * width;
    current--;
    for (let c = 0; c < width; c++) {
      const s = sums[c]! - full[l + c]!;
      sums[c] = s;
      row[c] = s / current;
    }
    secondRowPass(ws, oi, rowWindow);
    li++;
    oi++;
  }
}

/** Image-domain quality metric of the 64x64 downsample (reference: pdqImageDomainQualityMetric). */
function qualityOf(block: Float64Array): number {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(((block[i * 64 + j]! - block[(i + 1) * 64 + j]!) * 100) / 255);
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(((block[i * 64 + j]! - block[i * 64 + j + 1]!) * 100) / 255);
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

/** B = D A D^T restricted to rows/columns 1..16 (reference: dct64To16, same accumulation order). */
function dct64To16(a: Float64Array, t: Float64Array, b: Float64Array): void {
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum += DCT[di + k]! * a[k * 64 + j]!;
      t[di + j] = sum;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let sum = 0;
      for (let k = 0; k < 64; k++) sum += t[ti + k]! * DCT[dj + k]!;
      b[i * 16 + j] = sum;
    }
  }
}

const HEX = Array.from({ length: 65536 }, (_, v) => v.toString(16).padStart(4, "0"));

/**
 * Bits from the 16x16 DCT: bit i*16+j (word i, bit j) is set when coefficient (i, j) is above the median.
 * The median is the reference's Torben median of 256 values, which is the 128th smallest.
 */
function bitsToHex(dct16: Float64Array, sorted: Float64Array): string {
  sorted.set(dct16);
  sorted.sort();
  const median = sorted[127]!;
  let hex = "";
  for (let i = 15; i >= 0; i--) {
    let word = 0;
    for (let j = 0; j < 16; j++) if (dct16[i * 16 + j]! > median) word |= 1 << j;
    hex += HEX[word]!;
  }
  return hex;
}

/**
 * PDQ hash of an RGB image: `rgb` holds width x height pixels, 3 bytes each (R, G, B), row-major, no
 * padding (raw rgb24, as ffmpeg and sharp produce). Synchronous; ~2-4 ms for 854x480 on one core.
 */
export function pdqHash(rgb: Uint8Array, width: number, height: number): PdqHash {
  const dct = pdqDct16(rgb, width, height);
  if (!dct) return { hash: ZERO_HASH, quality: 0 };
  return { hash: pdqDctToHex(dct.dct16), quality: dct.quality };
}

/**
 * The 16x16 DCT block a PDQ hash is thresholded from (row-major, [vertical frequency][horizontal
 * frequency]) and the quality; null for an image too small to hash (its hash is all zeros, quality 0).
 * The block is the process's shared workspace: read it before the next call.
 */
export function pdqDct16(rgb: Uint8Array, width: number, height: number): { dct16: Float64Array; quality: number } | null {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`pdqHash: bad size ${width}x${height}`);
  }
  if (rgb.length < width * height * 3) {
    throw new RangeError(`pdqHash: ${rgb.length} bytes for ${width}x${height} RGB (needs ${width * height * 3})`);
  }
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) return null;

  const ws = workspace;
  ws.resize(width, height);
  const rowWindow = jaroszWindowSize(width); // along rows: over the columns
  const colWindow = jaroszWindowSize(height);
  const { full, row } = ws;

  // luma, and the first row pass straight from it
  for (let y = 0; y < height; y++) {
    let p = y * width * 3;
    for (let x = 0; x < width; x++, p += 3) row[x] = LUMA_R * rgb[p]! + LUMA_G * rgb[p + 1]! + LUMA_B * rgb[p + 2]!;
    box1D(row, 0, full, y * width, width, 1, rowWindow);
  }
  // first column pass, second row pass (only the sampled columns kept)
  firstColumnPassThenRows(ws, colWindow, rowWindow);
  // second column pass on the 64 sampled columns, then decimate to 64x64
  const { sampled, sampled2, rowIndex, block } = ws;
  for (let k = 0; k < 64; k++) box1D(sampled, k, sampled2, k, height, 64, colWindow);
  for (let i = 0; i < 64; i++) block.set(sampled2.subarray(rowIndex[i]! * 64, rowIndex[i]! * 64 + 64), i * 64);

  const quality = qualityOf(block);
  dct64To16(block, ws.t16x64, ws.dct16);
  return { dct16: ws.dct16, quality };
}

/** The hash of a 16x16 DCT block: each coefficient above the block's median sets its bit. */
export function pdqDctToHex(dct16: Float64Array): string {
  return bitsToHex(dct16, workspace.sorted);
}
