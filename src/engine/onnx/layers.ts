// The few neural-network pieces the kinema graphs share. Linear weights are stored [in, out] so a
// plain MatMul applies them; ORT fuses MatMul+Add itself.
import { float } from "./attributes.js";
import type { GraphBuilder } from "./graph.js";
import { unsqueeze } from "./shape.js";

export interface LinearOptions {
  /** weight standard deviation; default 1/sqrt(inDim), which keeps unit-scale inputs unit-scale */
  std?: number;
  bias?: boolean;
}

export function linear(g: GraphBuilder, x: string, inDim: number, outDim: number, options: LinearOptions = {}): string {
  const w = g.weight("weight", [inDim, outDim], options.std ?? 1 / Math.sqrt(inDim));
  const y = g.op1("MatMul", [x, w]);
  if (options.bias === false) return y;
  return g.op1("Add", [y, g.weight("bias", [outDim], 0.02)]);
}

/**
 * LayerNormalization over the last axis. `affine` gives the layer its own scale/bias initializers
 * (ones/zeros, as a fresh model has); without it the shared constants stand in, as DiT's
 * adaLN norms have no parameters of their own.
 */
export function layerNorm(g: GraphBuilder, x: string, dim: number, affine: boolean): string {
  const ones = new Array<number>(dim).fill(1);
  const zeros = new Array<number>(dim).fill(0);
  const scale = affine ? g.initializer("norm.weight", "float32", [dim], ones) : g.constant("float32", ones);
  const bias = affine ? g.initializer("norm.bias", "float32", [dim], zeros) : g.constant("float32", zeros);
  return g.op1("LayerNormalization", [x, scale, bias], { axis: -1, epsilon: float(1e-6) });
}

/** SiLU (x * sigmoid x); opset 17 has no SiLU op. */
export function silu(g: GraphBuilder, x: string): string {
  return g.op1("Mul", [x, g.op1("Sigmoid", [x])]);
}

/** Linear -> GELU (tanh approximation, fused with its bias by com.microsoft FastGelu) -> Linear. */
export function mlp(g: GraphBuilder, x: string, dim: number, hidden: number, outDim = dim): string {
  return g.scoped("mlp", () => {
    const h = g.scoped("fc1", () => {
      const w = g.weight("weight", [dim, hidden], 1 / Math.sqrt(dim));
      const b = g.weight("bias", [hidden], 0.02);
      return g.op1("FastGelu", [g.op1("MatMul", [x, w]), b], undefined, { domain: "com.microsoft" });
    });
    return g.scoped("fc2", () => linear(g, h, hidden, outDim));
  });
}

/**
 * com.microsoft MultiHeadAttention on projected q [B, S, D], k/v [B, Skv, D] (biases packed into one
 * [3D] input, which the op adds itself). `keyPaddingMask` is int32 [B, Skv], 1 = attend, 0 = padding:
 * the op adds mask_filter_value (-10000 by default) to padded keys' scores, so softmax gives them 0.
 */
export function multiHeadAttention(g: GraphBuilder, q: string, k: string, v: string, dim: number, heads: number, keyPaddingMask?: string): string {
  const bias = g.weight("qkv_bias", [3 * dim], 0.02);
  const inputs = keyPaddingMask ? [q, k, v, bias, keyPaddingMask] : [q, k, v, bias];
  return g.op1("MultiHeadAttention", inputs, { num_heads: heads }, { domain: "com.microsoft" });
}

/** Self-attention: one [D, 3D] projection split into q, k, v, then the fused op and an output projection. */
export function selfAttention(g: GraphBuilder, x: string, dim: number, heads: number, keyPaddingMask?: string): string {
  return g.scoped("attn", () => {
    const qkv = g.scoped("qkv", () => g.op1("MatMul", [x, g.weight("weight", [dim, 3 * dim], 1 / Math.sqrt(dim))]));
    const [q, k, v] = g.op("Split", [qkv], { axis: -1 }, { outputs: 3 }) as [string, string, string];
    const o = multiHeadAttention(g, q, k, v, dim, heads, keyPaddingMask);
    return g.scoped("proj", () => linear(g, o, dim, dim));
  });
}

/** Cross-attention from x [B, S, D] to context [B, Skv, D]; the mask pads the context. */
export function crossAttention(g: GraphBuilder, x: string, context: string, dim: number, heads: number, keyPaddingMask?: string): string {
  return g.scoped("cross_attn", () => {
    const q = g.scoped("q", () => g.op1("MatMul", [x, g.weight("weight", [dim, dim], 1 / Math.sqrt(dim))]));
    const kv = g.scoped("kv", () => g.op1("MatMul", [context, g.weight("weight", [dim, 2 * dim], 1 / Math.sqrt(dim))]));
    const [k, v] = g.op("Split", [kv], { axis: -1 }, { outputs: 2 }) as [string, string];
    const o = multiHeadAttention(g, q, k, v, dim, heads, keyPaddingMask);
    return g.scoped("proj", () => linear(g, o, dim, dim));
  });
}

/**
 * Sinusoidal embedding of float positions [N] -> [N, dim]: [sin(p * f_i), cos(p * f_i)] with
 * f_i = maxPeriod^(-i / (dim/2)). The frequencies are fixed tables; positions may be run-time values.
 */
export function sinusoidal(g: GraphBuilder, positions: string, dim: number, maxPeriod = 10_000): string {
  if (dim % 2 !== 0) throw new Error(`sinusoidal: dim ${dim} must be even`);
  const half = dim / 2;
  const freqs = Array.from({ length: half }, (_, i) => Math.fround(maxPeriod ** (-i / half)));
  const angles = g.op1("Mul", [unsqueeze(g, positions, 1), g.constant("float32", freqs, [1, half])]);
  return g.op1("Concat", [g.op1("Sin", [angles]), g.op1("Cos", [angles])], { axis: -1 });
}
