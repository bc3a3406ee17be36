// The DiT denoiser: latent [B, 4, T, H, W] + timestep [B] + text [B, L, 64] + text_mask [B, L] ->
// prediction [B, 4, T, H, W] (a velocity). Spacetime patches -> tokens with a 3D sinusoidal position
// embedding, depth x (adaLN-Zero self-attention, masked cross-attention to the text, adaLN-Zero MLP),
// then a final adaLN + linear back to patches. Every size but the channels is dynamic.
import {
  GraphBuilder, crossAttention, dataTypeOf, dimsOf, divDim, encodeModel, hashSeed, layerNorm, linear, mlp,
  reshape, selfAttention, shapeFrom, silu, sinusoidal, toScalar, unsqueeze,
} from "../../src/engine/onnx/index.js";
import { DENOISER, LATENT_CHANNELS, SEED, TEXT, VERSION } from "./config.js";

const C = LATENT_CHANNELS;
const D = DENOISER.hidden;
const [PT, PH, PW] = DENOISER.patch;
const PATCH_VALUES = C * PT * PH * PW;

export interface DenoiserOptions {
  /** test fixture: NaN is added to the prediction wherever timestep < nanBelow */
  nanBelow?: number;
}

interface Grid { batch: string; t: string; h: string; w: string }

/** [B, C, T, H, W] -> tokens [B, t*h*w, C*pt*ph*pw], patch-major in (t, h, w) order. */
function patchify(g: GraphBuilder, latent: string): { tokens: string; grid: Grid } {
  const [batch, T, H, W] = [0, 2, 3, 4].map((axis) => dimsOf(g, latent, axis)) as [string, string, string, string];
  const grid = { batch, t: divDim(g, T, PT), h: divDim(g, H, PH), w: divDim(g, W, PW) };
  const split = reshape(g, latent, shapeFrom(g, batch, C, grid.t, PT, grid.h, PH, grid.w, PW));
  const moved = g.op1("Transpose", [split], { perm: [0, 2, 4, 6, 1, 3, 5, 7] });
  return { tokens: reshape(g, moved, [0, -1, PATCH_VALUES]), grid };
}

/** The inverse of patchify: [B, t*h*w, C*pt*ph*pw] -> the latent's own shape. */
function unpatchify(g: GraphBuilder, tokens: string, grid: Grid, latentShape: string): string {
  const split = reshape(g, tokens, shapeFrom(g, grid.batch, grid.t, grid.h, grid.w, C, PT, PH, PW));
  const moved = g.op1("Transpose", [split], { perm: [0, 4, 1, 5, 2, 6, 3, 7] });
  return reshape(g, moved, latentShape);
}

/** Sinusoids of 0..n-1 for one grid axis: [n, dim]. */
function axisEmbedding(g: GraphBuilder, n: string, dim: number): string {
  const steps = g.op1("Range", [g.constant("int64", [0], []), toScalar(g, n), g.constant("int64", [1], [])]);
  return sinusoidal(g, g.op1("Cast", [steps], { to: dataTypeOf.float32 }), dim);
}

/** 3D position embedding [1, t*h*w, D]: per-axis sinusoids broadcast over the grid and concatenated. */
function positionEmbedding(g: GraphBuilder, grid: Grid): string {
  const [dt, dh, dw] = DENOISER.posDims;
  const parts = [
    unsqueeze(g, axisEmbedding(g, grid.t, dt), 1, 2), // [t, 1, 1, dt]
    unsqueeze(g, axisEmbedding(g, grid.h, dh), 0, 2), // [1, h, 1, dh]
    unsqueeze(g, axisEmbedding(g, grid.w, dw), 0, 1), // [1, 1, w, dw]
  ].map((e, i) => g.op1("Expand", [e, shapeFrom(g, grid.t, grid.h, grid.w, DENOISER.posDims[i]!)]));
  return reshape(g, g.op1("Concat", parts, { axis: -1 }), [1, -1, D]);
}

/** adaLN: `count` modulation vectors [B, 1, D] from SiLU(conditioning). Small, non-zero init (see build.ts). */
function modulation(g: GraphBuilder, cond: string, count: number): string[] {
  const m = g.scoped("adaLN", () => linear(g, cond, D, count * D, { std: 0.5 / Math.sqrt(D) }));
  return g.op("Split", [unsqueeze(g, m, 1)], { axis: 2 }, { outputs: count });
}

/** LayerNorm without parameters, then x * (1 + scale) + shift. */
function modulatedNorm(g: GraphBuilder, x: string, shift: string, scale: string): string {
  const n = layerNorm(g, x, D, false);
  return g.op1("Add", [g.op1("Mul", [n, g.op1("Add", [scale, g.scalar(1)])]), shift]);
}

function ditBlock(g: GraphBuilder, x: string, cond: string, text: string, mask: string): string {
  const [shiftA, scaleA, gateA, shiftM, scaleM, gateM] = modulation(g, cond, 6) as [string, string, string, string, string, string];
  const attn = selfAttention(g, modulatedNorm(g, x, shiftA, scaleA), D, DENOISER.heads);
  let y = g.op1("Add", [x, g.op1("Mul", [gateA, attn])]);
  const q = g.scoped("cross_norm", () => layerNorm(g, y, D, true));
  y = g.op1("Add", [y, crossAttention(g, q, text, D, DENOISER.heads, mask)]);
  const m = mlp(g, modulatedNorm(g, y, shiftM, scaleM), D, D * DENOISER.mlpRatio);
  return g.op1("Add", [y, g.op1("Mul", [gateM, m])]);
}

export function buildDenoiser(options: DenoiserOptions = {}): Uint8Array {
  const g = new GraphBuilder("kinema_tiny_denoiser", hashSeed(SEED, "denoiser"));
  const names = DENOISER.inputs;
  const latent = g.input(names.latent, "float32", ["batch", C, "frames", "height", "width"]);
  const timestep = g.input(names.timestep, "float32", ["batch"]);
  const textIn = g.input(names.text, "float32", ["batch", "text_len", TEXT.hidden]);
  const mask = g.input(names.textMask, "int32", ["batch", "text_len"]);

  const { tokens, grid } = g.scoped("patchify", () => patchify(g, latent));
  let x = g.scoped("patch_embed", () => linear(g, tokens, PATCH_VALUES, D));
  x = g.scoped("pos_embed", () => g.op1("Add", [x, positionEmbedding(g, grid)]));

  // Conditioning: sinusoids of timestep * 1000 -> MLP; SiLU'd once for every adaLN.
  const cond = g.scoped("t_embed", () => {
    const freq = sinusoidal(g, g.op1("Mul", [timestep, g.scalar(1000)]), DENOISER.timestepDim);
    const h = silu(g, g.scoped("fc1", () => linear(g, freq, DENOISER.timestepDim, D)));
    return silu(g, g.scoped("fc2", () => linear(g, h, D, D)));
  });
  const text = g.scoped("text_proj", () => mlp(g, textIn, TEXT.hidden, D, D));

  for (let i = 0; i < DENOISER.depth; i++) x = g.scoped(`block${i}`, () => ditBlock(g, x, cond, text, mask));

  let out = g.scoped("final", () => {
    const [shift, scale] = modulation(g, cond, 2) as [string, string];
    return g.scoped("linear", () => linear(g, modulatedNorm(g, x, shift, scale), D, PATCH_VALUES));
  });
  out = g.scoped("unpatchify", () => unpatchify(g, out, grid, g.op1("Shape", [latent])));

  if (options.nanBelow !== undefined) {
    // Test fixture: prediction + Where(timestep < T, NaN, 0), broadcast per batch item.
    out = g.scoped("nan_fixture", () => {
      const below = g.op1("Less", [reshape(g, timestep, [-1, 1, 1, 1, 1]), g.scalar(options.nanBelow!)]);
      return g.op1("Add", [out, g.op1("Where", [below, g.scalar(Number.NaN), g.scalar(0)])]);
    });
  }
  g.output(out, DENOISER.output, "float32", ["batch", C, "frames", "height", "width"]);
  return encodeModel(g, {
    producerVersion: VERSION,
    docString: "kinema-tiny DiT denoiser (velocity prediction): seeded, untrained weights.",
    metadata: options.nanBelow === undefined ? {} : { nan_below: String(options.nanBelow) },
  });
}
