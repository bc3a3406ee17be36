// Per-clip feature vectors for the Fréchet distance. Preferred: statistics of the kinema-shapes VAE
// encoder's latent (a network trained on exactly this domain, so its latent separates colour, layout and
// motion the way an Inception network does for photos). Every model's frames go through the same encoder
// at its native 112x64, so distances are comparable across models. Without the encoder (kinema-shapes not
// trained yet), a handcrafted feature stands in: see handcraftedFeatures.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { PALETTE } from "../../model/shapes/dataset.js";

/** the kinema-shapes encoder's (and the features') frame size and clip length */
export const FEATURE_WIDTH = 112;
export const FEATURE_HEIGHT = 64;
export const FEATURE_FRAMES = 16;
export const ENCODER_FILE = "vae_encoder.onnx";

export interface FeatureExtractor {
  /** "kinema-shapes-encoder" or "handcrafted" */
  kind: string;
  description: string;
  /** the encoder file and its sha256, when one is used */
  source: { path: string; sha256: string } | null;
  /** RGB at FEATURE_WIDTH x FEATURE_HEIGHT, FEATURE_FRAMES frames */
  extract(rgb: Uint8Array): Promise<Float64Array>;
  release(): Promise<void>;
}

/** The encoder of the first of `dirs` that has one, else the handcrafted fallback. */
export async function openFeatureExtractor(dirs: readonly string[]): Promise<FeatureExtractor> {
  const path = dirs.map((d) => join(d, ENCODER_FILE)).find((p) => existsSync(p));
  if (!path) return handcraftedExtractor();
  const bytes = await readFile(path);
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all" });
  const input = session.inputNames[0]!, output = session.outputNames[0]!;
  return {
    kind: "kinema-shapes-encoder",
    description: `${path}: per clip, each latent channel's mean and std plus its mean over the 4 spatial quadrants (8 channels x 6 = 48 dims)`,
    source: { path, sha256: createHash("sha256").update(bytes).digest("hex") },
    async extract(rgb) {
      const result = await session.run({ [input]: new ort.Tensor("float32", toModelInput(rgb), [1, 3, FEATURE_FRAMES, FEATURE_HEIGHT, FEATURE_WIDTH]) });
      const latent = result[output]!;
      return latentStatistics(latent.data as Float32Array, latent.dims as number[]);
    },
    release: () => session.release(),
  };
}

/** RGB bytes [F, H, W, 3] -> float32 [3, F, H, W] in [-1, 1], the encoder's input layout. */
function toModelInput(rgb: Uint8Array): Float32Array {
  const plane = FEATURE_FRAMES * FEATURE_HEIGHT * FEATURE_WIDTH;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = rgb[p * 3 + c]! / 127.5 - 1;
  return out;
}

/** latent [1, C, t, h, w] -> per channel: mean, std, and the means of the four spatial quadrants. */
export function latentStatistics(data: Float32Array, dims: readonly number[]): Float64Array {
  const [, C, T, H, W] = dims as [number, number, number, number, number];
  const out = new Float64Array(C * 6);
  const hh = Math.ceil(H / 2), hw = Math.ceil(W / 2);
  for (let c = 0; c < C; c++) {
    let sum = 0, sq = 0;
    const quad = [0, 0, 0, 0], quadN = [0, 0, 0, 0];
    for (let t = 0; t < T; t++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const v = data[(((c * T + t) * H + y) * W) + x]!;
          sum += v; sq += v * v;
          const q = (y < hh ? 0 : 2) + (x < hw ? 0 : 1);
          quad[q]! += v; quadN[q]!++;
        }
      }
    }
    const n = T * H * W, m = sum / n;
    out[c * 6] = m;
    out[c * 6 + 1] = Math.sqrt(Math.max(0, sq / n - m * m));
    for (let q = 0; q < 4; q++) out[c * 6 + 2 + q] = quad[q]! / Math.max(1, quadN[q]!);
  }
  return out;
}

const PALETTE_RGB = Object.values(PALETTE);

/**
 * The fallback (documented in the report): per clip, (1) the share of pixels nearest each of the 8
 * palette colours over the whole clip: what is there; (2) the mean RGB of each 2x2 quadrant, in [0, 1]:
 * where it is; (3) motion energy, the mean frame-to-frame absolute difference of the whole frame and of
 * each quadrant: how much moves, and where. 8 + 12 + 5 = 25 dims.
 */
export function handcraftedFeatures(rgb: Uint8Array): Float64Array {
  const W = FEATURE_WIDTH, H = FEATURE_HEIGHT, F = FEATURE_FRAMES;
  const hist = new Float64Array(PALETTE_RGB.length);
  const quadRgb = new Float64Array(12), motion = new Float64Array(5);
  const perQuad = (W / 2) * (H / 2) * F;
  for (let f = 0; f < F; f++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = ((f * H + y) * W + x) * 3;
        const q = (y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1);
        let best = 0, bestD = Infinity;
        PALETTE_RGB.forEach((c, k) => {
          const d = (rgb[p]! - c[0]) ** 2 + (rgb[p + 1]! - c[1]) ** 2 + (rgb[p + 2]! - c[2]) ** 2;
          if (d < bestD) [best, bestD] = [k, d];
        });
        hist[best]! += 1 / (W * H * F);
        for (let c = 0; c < 3; c++) quadRgb[q * 3 + c]! += rgb[p + c]! / 255 / perQuad;
        if (f > 0) {
          const prev = p - W * H * 3;
          const diff = (Math.abs(rgb[p]! - rgb[prev]!) + Math.abs(rgb[p + 1]! - rgb[prev + 1]!) + Math.abs(rgb[p + 2]! - rgb[prev + 2]!)) / (3 * 255);
          motion[0]! += diff / (W * H * (F - 1));
          motion[1 + q]! += diff / ((W / 2) * (H / 2) * (F - 1));
        }
      }
    }
  }
  return Float64Array.from([...hist, ...quadRgb, ...motion]);
}

function handcraftedExtractor(): FeatureExtractor {
  return {
    kind: "handcrafted",
    description: `no ${ENCODER_FILE} found: palette histogram (8) + 2x2 quadrant mean RGB (12) + motion energy, whole frame and per quadrant (5) = 25 dims`,
    source: null,
    extract: async (rgb) => handcraftedFeatures(rgb),
    release: async () => {},
  };
}
