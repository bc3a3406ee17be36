// Samplers over x_t = alpha(t) * x0 + sigma(t) * noise, t from 1 (noise) to 0 (data). Velocity models
// live on the rectified-flow path (alpha = 1 - t, sigma = t); epsilon models on a cosine VP path.
// flow-euler: an Euler step of the ODE dx/dt = alpha' x0 + sigma' noise, on a shifted time grid (more
// steps at high noise, as current video DiTs do). ddim: the deterministic DDIM update
// x_s = alpha(s) x0 + sigma(s) noise on a uniform grid. (On the flow path the two updates coincide;
// their grids differ.) Both are deterministic: all randomness is the initial noise.
import type { ModelManifest } from "./manifest.js";

export type SamplerName = "flow-euler" | "ddim";
type Prediction = ModelManifest["prediction"];

/** flow-euler's grid shift when a model's manifest names none (every 1.x model was trained for it). */
export const DEFAULT_FLOW_SHIFT = 3;
/** Epsilon models cannot recover x0 at pure noise (alpha = 0): their grid starts just below it. */
const VP_T_MAX = 0.999;

/** The step times from 1 (or just below, epsilon) to 0. flow-euler: t = s u / (1 + (s - 1) u) over a uniform u,
 * s the model's `sampler.flowShift` (1: uniform, ddim's grid); ddim: u itself. */
export function timeGrid(sampler: SamplerName, steps: number, prediction: Prediction, shift = DEFAULT_FLOW_SHIFT): number[] {
  const top = prediction === "epsilon" ? VP_T_MAX : 1;
  return Array.from({ length: steps + 1 }, (_, i) => {
    const u = top * (1 - i / steps);
    return sampler === "flow-euler" ? (shift * u) / (1 + (shift - 1) * u) : u;
  });
}

function path(prediction: Prediction, t: number) {
  if (prediction === "velocity") return { a: 1 - t, s: t, da: -1, ds: 1 };
  const h = (Math.PI / 2) * t;
  return { a: Math.cos(h), s: Math.sin(h), da: -(Math.PI / 2) * Math.sin(h), ds: (Math.PI / 2) * Math.cos(h) };
}

/**
 * One step from time t to time next, in place on `x`, given the (guided) model output at t.
 * Recovers (x0, noise) from the output, then applies the sampler's update.
 */
export function samplerStep(
  sampler: SamplerName, prediction: Prediction, x: Float32Array, output: Float32Array, t: number, next: number,
): void {
  const p = path(prediction, t);
  const q = path(prediction, next);
  const det = p.a * p.ds - p.s * p.da;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const o = output[i]!;
    let x0: number;
    let noise: number;
    if (prediction === "epsilon") {
      noise = o;
      x0 = (xi - p.s * noise) / p.a;
    } else {
      x0 = (p.ds * xi - p.s * o) / det;
      noise = (p.a * o - p.da * xi) / det;
    }
    x[i] = sampler === "ddim" ? q.a * x0 + q.s * noise : xi + (next - t) * (p.da * x0 + p.ds * noise);
  }
}
