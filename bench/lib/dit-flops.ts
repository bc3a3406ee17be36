// FLOP estimate of one DiT denoiser call, from the model manifest and a geometry. Counts the matrix
// products only (one multiply-add = 2 FLOPs); LayerNorm, softmax, GELU, SiLU, adaLN modulation and the
// residual adds are O(N*D) elementwise work, under 2% of the total here, and are left out.
//
// Per batch item, with N = geometry.tokens, D = denoiser.hiddenSize, L = tokenizer.maxLength (padded
// text keys are still computed: the attention op masks scores, it does not skip keys), Dt =
// textEncoder.hiddenSize, P = latentChannels * pt * ph * pw (values per patch), r = mlpRatio:
//
//   patch embed        2*N*P*D
//   text projection    2*L*(Dt*D + D*D)                       (text_proj MLP: Dt -> D -> D)
//   timestep MLP       2*(Dtime*D + D*D)                      (Dtime = 256, kinema-tiny's config; not in the manifest)
//   per block (x depth):
//     adaLN            2*D*6D                                  (6 modulation vectors, once per item)
//     self-attention   2*N*D*3D (qkv) + 2*N*N*D (QK^T) + 2*N*N*D (AV) + 2*N*D*D (out)
//     cross-attention  2*N*D*D (q) + 2*L*D*2D (kv) + 2*N*L*D (QK^T) + 2*N*L*D (AV) + 2*N*D*D (out)
//     MLP              2*N*D*rD + 2*N*rD*D
//   final              2*D*2D (adaLN) + 2*N*D*P (linear back to patches)
//
// i.e. per token and block ~ (28 + 4(r-4)) * D^2 for the projections and MLP, plus 4*N*D (self-attention
// scores) and 4*L*D (cross-attention scores). The denoiser runs on the CFG batch [uncond; cond], so a
// sampling step costs twice the per-item figure.
import type { Geometry } from "../../src/engine/geometry.js";
import type { ModelManifest } from "../../src/engine/manifest.js";

const TIMESTEP_DIM = 256;

export interface DitFlops {
  /** one batch item */
  perItem: number;
  /** the CFG batch of two the sampler runs each step */
  perStep: number;
  /** share of the per-item total spent in self-attention scores (grows with N) */
  attentionShare: number;
}

export function ditFlops(manifest: ModelManifest, geometry: Geometry, cfgBatch = 2): DitFlops {
  const { hiddenSize: D, depth, mlpRatio: r, patchSize } = manifest.denoiser;
  const N = geometry.tokens;
  const L = manifest.tokenizer.maxLength;
  const Dt = manifest.textEncoder.hiddenSize;
  const P = manifest.latentChannels * patchSize[0] * patchSize[1] * patchSize[2];

  const patchEmbed = 2 * N * P * D;
  const textProj = 2 * L * (Dt * D + D * D);
  const timestep = 2 * (TIMESTEP_DIM * D + D * D);
  const adaLN = 2 * D * 6 * D;
  const selfAttnProj = 2 * N * D * 3 * D + 2 * N * D * D;
  const selfAttnScores = 2 * 2 * N * N * D;
  const crossAttn = 2 * N * D * D + 2 * L * D * 2 * D + 2 * 2 * N * L * D + 2 * N * D * D;
  const mlp = 2 * 2 * N * D * r * D;
  const block = adaLN + selfAttnProj + selfAttnScores + crossAttn + mlp;
  const final = 2 * D * 2 * D + 2 * N * D * P;
  const perItem = patchEmbed + textProj + timestep + depth * block + final;
  return { perItem, perStep: cfgBatch * perItem, attentionShare: (depth * selfAttnScores) / perItem };
}
