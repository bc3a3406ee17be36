// The starting noise of a model trained with a mixed noise prior (sampler.frameSharedNoise): its frames
// share the stated part of their variance, the draw is seeded, and a model without the field gets the
// plain independent draw it always got.
import { describe, expect, it } from "vitest";
import { initialNoise } from "../src/engine/denoise.js";
import { Rng } from "../src/engine/rng.js";

const SHAPE = [8, 4, 8, 14] as const; // kinema-shapes' 2 s latent
const FRAME = 8 * 14;

function frame(x: Float32Array, c: number, t: number): Float32Array {
  const at = (c * SHAPE[1] + t) * FRAME;
  return x.subarray(at, at + FRAME);
}

/** Correlation between frames t and u over every channel and position. */
function correlation(x: Float32Array, t: number, u: number): number {
  let xy = 0, xx = 0, yy = 0;
  for (let c = 0; c < SHAPE[0]; c++) {
    const a = frame(x, c, t), b = frame(x, c, u);
    for (let i = 0; i < FRAME; i++) { xy += a[i]! * b[i]!; xx += a[i]! ** 2; yy += b[i]! ** 2; }
  }
  return xy / Math.sqrt(xx * yy);
}

describe("initialNoise", () => {
  it("is the plain seeded draw when nothing is shared", () => {
    expect(initialNoise(Rng.fromSeed(7), SHAPE, 0)).toEqual(Rng.fromSeed(7).normal(new Float32Array(8 * 4 * FRAME)));
  });

  it("shares the stated part of the variance between frames, at unit variance", () => {
    const samples = Array.from({ length: 40 }, (_, seed) => initialNoise(Rng.fromSeed(seed), SHAPE, 0.5));
    const corr = samples.map((x) => correlation(x, 0, 3)).reduce((a, b) => a + b) / samples.length;
    expect(corr).toBeGreaterThan(0.45);
    expect(corr).toBeLessThan(0.55);
    const all = samples.flatMap((x) => [...x]);
    const variance = all.reduce((s, v) => s + v * v, 0) / all.length;
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
    const independent = initialNoise(Rng.fromSeed(1), SHAPE, 0);
    expect(Math.abs(correlation(independent, 0, 3))).toBeLessThan(0.1);
  });

  it("gives every frame the same noise when all of it is shared, and is seeded", () => {
    const x = initialNoise(Rng.fromSeed(3), SHAPE, 1);
    for (let c = 0; c < SHAPE[0]; c++) expect(frame(x, c, 2)).toEqual(frame(x, c, 0));
    expect(initialNoise(Rng.fromSeed(3), SHAPE, 1)).toEqual(x);
    expect(initialNoise(Rng.fromSeed(4), SHAPE, 1)).not.toEqual(x);
  });
});
