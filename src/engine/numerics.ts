// Small numeric helpers for the sampler's hot loop: plain loops over Float32Array, no allocation.

/** True when any value is NaN or ±Infinity. */
export function hasNonFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return true;
  return false;
}

/** Classifier-free guidance over a batch of two [uncond; cond]: uncond + scale * (cond - uncond). */
export function guide(batch: Float32Array, scale: number, out: Float32Array): Float32Array {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const u = batch[i]!;
    out[i] = u + scale * (batch[n + i]! - u);
  }
  return out;
}
