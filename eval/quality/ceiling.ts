// The judge's ceiling: what the level-2 judge reads in the autoencoder's reconstructions of the golden
// set's rendered ground truth. Generation can only be as good as its decoder makes a perfect latent
// look, so a model whose ceiling is below the level-2 targets needs a better autoencoder before a better
// DiT (issue 19). Each golden spec is rendered at 112x64 for the clip's frame count (8 fps), encoded by
// the model's vae_encoder.onnx, decoded by the engine's own chunked decode (src/engine/decode.ts) and
// graded with level 2's figures, plus PSNR, flicker and the centroid-path smoothness figure.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { renderClip } from "../../model/shapes/dataset.js";
import { decodeToRawFrames } from "../../src/engine/decode.js";
import { latentFramesFor } from "../../src/engine/geometry.js";
import { manifestSchema, type ModelManifest } from "../../src/engine/manifest.js";
import type { Model, Tensor } from "../../src/engine/runtime.js";
import { judgeClip, type ClipFrames, type Judgement } from "../judge/judge.js";
import { FEATURE_FRAMES, type FeatureExtractor } from "./features.js";
import { alignmentOf, type AlignmentFigures } from "./figures.js";
import type { GoldenClip } from "./golden.js";
import { flicker, frechetDistance, mean } from "./metrics.js";
import { shapePaths, smoothnessOf, type ShapePath, type SmoothnessFigures } from "./smoothness.js";
import { multiShapeOf, type MultiShapeFigures } from "./targets.js";

// the targets live in targets.ts (level 2 per duration reads them too); re-exported for eval/ceiling.ts
export { TARGETS, targetsCleared } from "./targets.js";

export const WIDTH = 112, HEIGHT = 64, FPS = 8;

export interface Autoencoder {
  dir: string;
  manifest: ModelManifest;
  files: Record<string, string>;
  encode(rgb: Uint8Array, frames: number): Promise<Tensor>;
  /** the engine's Model contract, decode only: what decodeToRawFrames calls */
  model: Model;
  release(): Promise<void>;
}

/** A model folder's encoder and decoder (model.json's `vae` block; the denoiser is never loaded). */
export async function openAutoencoder(dir: string, encoderFile = "vae_encoder.onnx", threads = 1): Promise<Autoencoder> {
  const manifest = manifestSchema.parse(JSON.parse(await readFile(join(dir, "model.json"), "utf8")));
  const files: Record<string, string> = {};
  const open = async (file: string) => {
    const bytes = await readFile(join(dir, file));
    files[file] = createHash("sha256").update(bytes).digest("hex");
    const listed = manifest.files[file];
    if (listed && listed !== files[file]) throw new Error(`${file} does not match model.json (sha256 ${files[file]})`);
    return ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all", intraOpNumThreads: threads, interOpNumThreads: 1 });
  };
  const encoder = await open(encoderFile), decoder = await open(manifest.vae.file);
  const unsupported = () => Promise.reject(new Error("an autoencoder alone: no text encoder or denoiser"));
  const model: Model = {
    dir, manifest, hash: createHash("sha256").update(JSON.stringify(files)).digest("hex"), provider: "cpu",
    encodeText: unsupported, denoise: unsupported,
    async decode(latent) {
      const { inputs, outputs } = manifest.vae;
      const out = (await decoder.run({ [inputs.latent]: new ort.Tensor("float32", latent.data, latent.dims) }))[outputs.frames]!;
      return { data: out.data as Float32Array, dims: [...out.dims] };
    },
    release: async () => {},
  };
  return {
    dir, manifest, files, model,
    async encode(rgb, frames) {
      const plane = frames * HEIGHT * WIDTH, input = new Float32Array(3 * plane); // [1, 3, F, H, W] in [-1, 1]
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) input[c * plane + p] = rgb[p * 3 + c]! / 127.5 - 1;
      const out = (await encoder.run({ [encoder.inputNames[0]!]: new ort.Tensor("float32", input, [1, 3, frames, HEIGHT, WIDTH]) }))[encoder.outputNames[0]!]!;
      return { data: out.data as Float32Array, dims: [...out.dims] };
    },
    release: async () => { await encoder.release(); await decoder.release(); },
  };
}

export interface CeilingFigures {
  seconds: number;
  frames: number;
  /** present when the clip was autoencoded at more frames and the nearest were kept (minGeneratedFrames) */
  generatedFrames?: number;
  /** the judge on the reconstructions (the ceiling) and on the ground truth itself (should read 100%) */
  alignment: AlignmentFigures;
  truth: AlignmentFigures;
  /** clips with 2-3 shapes that the judge reads fully right */
  multiShape: MultiShapeFigures;
  psnrDb: number;
  flicker: { reconstruction: number; truth: number };
  smoothness: SmoothnessFigures;
  /** Fréchet distance of the reconstructions' features to the truth's (2 s only: the features take 16 frames) */
  frechet: number | null;
  wallSeconds: number;
  perClip: { index: number; caption: string; accuracy: number; score: number; psnrDb: number; judgement: Judgement; paths: ShapePath[] }[];
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / Math.max(se / a.length, 1e-12));
}

/** The golden clips at one duration through the autoencoder, judged. */
export async function ceilingAt(ae: Autoencoder, clips: readonly GoldenClip[], seconds: number, extractor: FeatureExtractor | null,
  minGeneratedFrames = ae.manifest.minGeneratedFrames ?? 0): Promise<CeilingFigures> {
  const started = performance.now();
  const frames = seconds * FPS;
  const size = { width: WIDTH, height: HEIGHT, frames };
  // a clip the engine would generate at more frames (manifest.minGeneratedFrames): the truth at that many is
  // what a perfect latent decodes, and the engine's decode keeps the frames nearest the clip's own
  const { generatedFrames } = latentFramesFor(frames, { ...ae.manifest, minGeneratedFrames });
  const dir = await mkdtemp(join(tmpdir(), "kinema-ceiling-"));
  const rows: CeilingFigures["perClip"] = [];
  const truthJudgements: Judgement[] = [], flickers: number[] = [], truthFlickers: number[] = [];
  const features: Float64Array[] = [], truthFeatures: Float64Array[] = [];
  try {
    for (const golden of clips) {
      const truth: ClipFrames = { rgb: renderClip(golden.spec, size), ...size };
      const encoded = generatedFrames ? renderClip(golden.spec, { ...size, frames: generatedFrames }) : truth.rgb;
      const latent = await ae.encode(encoded, generatedFrames ?? frames);
      const [, c, t, h, w] = latent.dims as [number, number, number, number, number];
      const geometry = { profile: "cpu" as const, width: WIDTH, height: HEIGHT, fps: FPS, frames, ...(generatedFrames ? { generatedFrames } : {}),
        latent: [c, t, h, w] as [number, number, number, number], tokens: 0 };
      const raw = await decodeToRawFrames(ae.model, latent.data, geometry, join(dir, `${golden.index}.rgb`));
      const clip: ClipFrames = { rgb: new Uint8Array(await readFile(raw.path)), width: raw.width, height: raw.height, frames: raw.count };
      await rm(raw.path, { force: true });
      const judgement = judgeClip(clip, golden.spec);
      truthJudgements.push(judgeClip(truth, golden.spec));
      flickers.push(flicker(clip.rgb, frames));
      truthFlickers.push(flicker(truth.rgb, frames));
      if (extractor && frames === FEATURE_FRAMES) {
        features.push(await extractor.extract(clip.rgb));
        truthFeatures.push(await extractor.extract(truth.rgb));
      }
      rows.push({
        index: golden.index, caption: golden.caption, accuracy: judgement.accuracy, score: judgement.score,
        psnrDb: psnr(clip.rgb, truth.rgb), judgement, paths: shapePaths(clip, truth, golden.spec),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    seconds, frames, ...(generatedFrames ? { generatedFrames } : {}),
    alignment: alignmentOf(rows.map((r) => r.judgement)), truth: alignmentOf(truthJudgements),
    multiShape: multiShapeOf(rows.map((r) => r.judgement)),
    psnrDb: mean(rows.map((r) => r.psnrDb)),
    flicker: { reconstruction: mean(flickers), truth: mean(truthFlickers) },
    smoothness: smoothnessOf(rows.flatMap((r) => r.paths)),
    frechet: features.length > 1 ? frechetDistance(features, truthFeatures) : null,
    wallSeconds: (performance.now() - started) / 1000,
    perClip: rows,
  };
}
