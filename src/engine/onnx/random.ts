// Seeded weights: every tensor gets its own stream from (model seed, tensor name), so adding or
// reordering layers never changes the weights of the others, and no build reads Math.random.

/** FNV-1a, 32 bit: a stable hash of a tensor name into a seed. */
export function hashSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * n values uniform in [-a, a] with standard deviation `std` (a = std * sqrt(3)). Uniform rather than
 * Gaussian: only multiplications, so the bytes cannot depend on a platform's Math.log/cos.
 */
export function uniformWeights(seed: number, name: string, n: number, std: number): Float32Array {
  const next = mulberry32(hashSeed(seed, name));
  const a = std * Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * a;
  return out;
}
