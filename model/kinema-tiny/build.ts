// Builds kinema-tiny: the three ONNX graphs and model.json (checked against the manifest contract
// before it is written). Same options -> same bytes, so the sha256 values in model.json are stable.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { manifestSchema, type ModelManifest } from "../../src/engine/manifest.js";
import { BUCKETS, DENOISER, EXAMPLE_PROMPTS, LATENT_CHANNELS, TEXT, TOKENIZER, VAE, VERSION } from "./config.js";
import { buildDenoiser } from "./denoiser.js";
import { buildTextEncoder } from "./text-encoder.js";
import { buildVaeDecoder } from "./vae-decoder.js";

export interface BuildOptions {
  outDir: string;
  /** builds the NaN test fixture (id kinema-tiny-nan): the denoiser yields NaN where timestep < nanBelow */
  nanBelow?: number;
}

export interface BuildResult {
  manifest: ModelManifest;
  /** file name -> absolute path, model.json included */
  paths: Record<string, string>;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export function kinemaTinyManifest(files: Record<string, Uint8Array>, nanBelow?: number): ModelManifest {
  const fixture = nanBelow !== undefined;
  return manifestSchema.parse({
    id: fixture ? "kinema-tiny-nan" : "kinema-tiny",
    version: VERSION,
    description:
      "kinema-tiny: a small real architecture (byte-level text encoder, DiT denoiser, convolutional VAE decoder) " +
      "with seeded, untrained weights, so its output is noise-like, not a depiction of the prompt." +
      (fixture ? ` Test fixture: the denoiser adds NaN to its prediction when timestep < ${nanBelow}.` : ""),
    trained: false,
    examplePrompts: [...EXAMPLE_PROMPTS],
    tokenizer: { ...TOKENIZER },
    textEncoder: { file: TEXT.file, inputs: { ids: TEXT.input }, outputs: { embeddings: TEXT.output }, hiddenSize: TEXT.hidden },
    denoiser: {
      file: DENOISER.file,
      inputs: { ...DENOISER.inputs },
      outputs: { prediction: DENOISER.output },
      patchSize: [...DENOISER.patch],
      hiddenSize: DENOISER.hidden,
      depth: DENOISER.depth,
      heads: DENOISER.heads,
      mlpRatio: DENOISER.mlpRatio,
    },
    vae: {
      file: VAE.file,
      inputs: { latent: VAE.input },
      outputs: { frames: VAE.output },
      temporalCompression: VAE.temporal,
      spatialCompression: VAE.spatial,
      scalingFactor: VAE.scalingFactor,
    },
    latentChannels: LATENT_CHANNELS,
    prediction: "velocity",
    // CFG's unconditional branch is a text encoding like any other: a negative prompt can take its place.
    sampler: { default: "flow-euler", guidanceScale: 4, negativePrompt: true },
    buckets: Object.fromEntries(Object.entries(BUCKETS).map(([k, v]) => [k, { ...v }])),
    files: Object.fromEntries(Object.keys(files).sort().map((name) => [name, sha256(files[name]!)])),
  });
}

export async function buildKinemaTiny(options: BuildOptions): Promise<BuildResult> {
  const files: Record<string, Uint8Array> = {
    [TEXT.file]: buildTextEncoder(),
    [DENOISER.file]: buildDenoiser({ nanBelow: options.nanBelow }),
    [VAE.file]: buildVaeDecoder(),
  };
  const manifest = kinemaTinyManifest(files, options.nanBelow);
  await mkdir(options.outDir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) {
    paths[name] = join(options.outDir, name);
    await writeFile(paths[name], bytes);
  }
  paths["model.json"] = join(options.outDir, "model.json");
  await writeFile(paths["model.json"], `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, paths };
}
