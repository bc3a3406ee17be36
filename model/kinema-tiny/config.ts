// kinema-tiny's hyper-parameters and tensor names: one place for the graphs and the manifest.

export const SEED = 20240601;
export const VERSION = "0.1.0";

export const TOKENIZER = { type: "bytes", maxLength: 64, padId: 0, bosId: 1, eosId: 2, vocabSize: 259 } as const;

export const TEXT = {
  file: "text_encoder.onnx",
  input: "input_ids",
  output: "text_embeddings",
  hidden: 64,
  depth: 2,
  heads: 4,
  mlpRatio: 4,
} as const;

export const LATENT_CHANNELS = 4;

export const DENOISER = {
  file: "denoiser.onnx",
  inputs: { latent: "latent", timestep: "timestep", text: "text_embeddings", textMask: "text_mask" },
  output: "prediction",
  patch: [1, 2, 2] as [number, number, number],
  hidden: 128,
  depth: 4,
  heads: 4,
  mlpRatio: 4,
  /** channels of the 3D positional embedding per axis (t, h, w); they sum to `hidden` */
  posDims: [32, 48, 48] as [number, number, number],
  /** sinusoidal width of the timestep (scaled by 1000, as DiT does) */
  timestepDim: 256,
} as const;

export const VAE = {
  file: "vae_decoder.onnx",
  input: "latent",
  output: "frames",
  temporal: 4,
  spatial: 8,
  scalingFactor: 1,
  /** channels at the latent resolution, then after each x2 spatial upsampling */
  channels: [64, 32, 16, 16] as [number, number, number, number],
} as const;

/** Generation geometry per resolution; multiples of 16 (spatial compression 8 x patch 2). */
export const BUCKETS = {
  CPU: { width: 256, height: 144 },
  R480P: { width: 848, height: 480 },
  R720P: { width: 1280, height: 720 },
  R1080P: { width: 1920, height: 1088 },
} as const;

/**
 * The card's examplePrompts (the studio's placeholder and examples). Untrained, kinema-tiny draws noise for
 * any prompt, so these only need to pass the safety pre-filter and fit its 64-byte tokenizer (62 bytes of
 * text after BOS and EOS); they are the prompts the tests and the README use.
 */
export const EXAMPLE_PROMPTS = [
  "a paper boat drifting down a rainy street",
  "a lighthouse beam sweeping over waves",
  "a red fox running through fresh snow at dawn",
] as const;
