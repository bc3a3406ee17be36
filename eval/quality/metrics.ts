// The numeric side of the quality eval: feature statistics and the Fréchet distance between two sets
// of feature vectors (the FID/FVD formula, on our own features), frame-to-frame flicker, and a box
// resampler that brings every model's frames to the feature extractor's 112x64.

/** Mean vector and (unbiased, N-1) covariance matrix of row vectors. */
export function meanAndCovariance(rows: readonly ArrayLike<number>[]): { mean: number[]; cov: number[][] } {
  const n = rows.length;
  if (n < 2) throw new Error(`need at least 2 feature vectors, got ${n}`);
  const d = rows[0]!.length;
  const mean = new Array<number>(d).fill(0);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i]! += r[i]! / n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const r of rows) {
    for (let i = 0; i < d; i++) {
      const a = r[i]! - mean[i]!;
      for (let j = i; j < d; j++) cov[i]![j]! += (a * (r[j]! - mean[j]!)) / (n - 1);
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i]![j] = cov[j]![i]!;
  return { mean, cov };
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: values and the eigenvectors
 * as columns of `vectors`. O(d^3) per sweep and ~10 sweeps: a 64x64 matrix takes milliseconds.
 */
export function symmetricEigen(matrix: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const d = matrix.length;
  const a = matrix.map((row) => [...row]);
  const v = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diagonal = 0;
    for (let i = 0; i < d; i++) {
      diagonal += a[i]![i]! ** 2;
      for (let j = 0; j < d; j++) if (i !== j) off += a[i]![j]! ** 2;
    }
    if (off <= 1e-24 * Math.max(diagonal, 1e-300)) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        // the rotation angle that zeroes a[p][q] (Numerical Recipes' stable form)
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]!), vectors: v };
}

/** The PSD square root V diag(sqrt(max(l, 0))) V^T: covariances of few samples have tiny negative eigenvalues from rounding. */
export function sqrtPsd(matrix: readonly (readonly number[])[]): number[][] {
  const { values, vectors } = symmetricEigen(matrix);
  const d = matrix.length;
  const roots = values.map((l) => Math.sqrt(Math.max(l, 0)));
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => {
    let sum = 0;
    for (let k = 0; k < d; k++) sum += vectors[i]![k]! * roots[k]! * vectors[j]![k]!;
    return sum;
  }));
}

function multiply(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  const n = a.length, m = b[0]!.length, inner = b.length;
  return Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => {
    let sum = 0;
    for (let k = 0; k < inner; k++) sum += a[i]![k]! * b[k]![j]!;
    return sum;
  }));
}

/**
 * Fréchet distance between N(mu1, S1) and N(mu2, S2):
 *   |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr (S1 S2)^(1/2).
 * tr (S1 S2)^(1/2) = tr (S1^(1/2) S2 S1^(1/2))^(1/2), whose argument is symmetric PSD: two symmetric
 * eigen-decompositions, no general matrix square root (and no complex parts to discard, as scipy's sqrtm has).
 */
export function frechetFromStats(mu1: readonly number[], s1: readonly (readonly number[])[], mu2: readonly number[], s2: readonly (readonly number[])[]): number {
  let shift = 0, traces = 0;
  for (let i = 0; i < mu1.length; i++) {
    shift += (mu1[i]! - mu2[i]!) ** 2;
    traces += s1[i]![i]! + s2[i]![i]!;
  }
  const root1 = sqrtPsd(s1);
  const middle = multiply(multiply(root1, s2), root1);
  // symmetrise: rounding leaves it a hair off, and Jacobi assumes exact symmetry
  const sym = middle.map((row, i) => row.map((x, j) => (x + middle[j]![i]!) / 2));
  const cross = symmetricEigen(sym).values.reduce((sum, l) => sum + Math.sqrt(Math.max(l, 0)), 0);
  return Math.max(0, shift + traces - 2 * cross);
}

export function frechetDistance(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  const x = meanAndCovariance(a), y = meanAndCovariance(b);
  return frechetFromStats(x.mean, x.cov, y.mean, y.cov);
}

/** Mean absolute difference between consecutive frames, in [0, 1] of the 0-255 range: 0 for a still clip. */
export function flicker(rgb: Uint8Array, frames: number): number {
  if (frames < 2) return 0;
  const size = rgb.length / frames;
  let sum = 0;
  for (let f = 1; f < frames; f++) {
    const a = (f - 1) * size, b = f * size;
    for (let i = 0; i < size; i++) sum += Math.abs(rgb[b + i]! - rgb[a + i]!);
  }
  return sum / ((frames - 1) * size * 255);
}

/** Per output pixel, the source pixels it covers and their area weights, along one axis. */
function boxWeights(from: number, to: number): { start: number; weights: number[] }[] {
  const ratio = from / to;
  return Array.from({ length: to }, (_, o) => {
    const lo = o * ratio, hi = (o + 1) * ratio;
    const start = Math.floor(lo), weights: number[] = [];
    for (let i = start; i < Math.min(from, Math.ceil(hi)); i++) weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / ratio);
    return { start, weights };
  });
}

/** Area-averaging resize of RGB frames (frame-major, rows, columns, channels); a copy when sizes match. */
export function resizeFrames(rgb: Uint8Array, width: number, height: number, frames: number, toWidth: number, toHeight: number): Uint8Array {
  if (width === toWidth && height === toHeight) return rgb.slice();
  const wx = boxWeights(width, toWidth), wy = boxWeights(height, toHeight);
  const out = new Uint8Array(frames * toWidth * toHeight * 3);
  const row = new Float64Array(toWidth * 3);
  for (let f = 0; f < frames; f++) {
    const src = f * width * height * 3, dst = f * toWidth * toHeight * 3;
    for (let oy = 0; oy < toHeight; oy++) {
      row.fill(0);
      const { start: sy, weights: ky } = wy[oy]!;
      for (let j = 0; j < ky.length; j++) {
        const line = src + (sy + j) * width * 3;
        for (let ox = 0; ox < toWidth; ox++) {
          const { start: sx, weights: kx } = wx[ox]!;
          for (let i = 0; i < kx.length; i++) {
            const w = ky[j]! * kx[i]!, p = line + (sx + i) * 3;
            row[ox * 3]! += w * rgb[p]!;
            row[ox * 3 + 1]! += w * rgb[p + 1]!;
            row[ox * 3 + 2]! += w * rgb[p + 2]!;
          }
        }
      }
      for (let k = 0; k < toWidth * 3; k++) out[dst + oy * toWidth * 3 + k] = Math.max(0, Math.min(255, Math.round(row[k]!)));
    }
  }
  return out;
}

export const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
