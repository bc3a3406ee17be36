// The model contract: a folder with `model.json` and ONNX files. Any model that follows it can be
// dropped in (KINEMA_MODEL_DIR). Loading checks every file's sha256 against the manifest.
import { z } from "zod";

const tensorNames = <T extends string>(...keys: T[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.string().min(1)])) as Record<T, z.ZodString>);

export const manifestSchema = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  description: z.string(),
  /** false for kinema-tiny: seeded, untrained weights, noise-like output */
  trained: z.boolean(),
  /**
   * Prompts the model is known to do, best first: the studio's placeholder and examples (Query.model), so
   * a new user's first try is one the model can do. Optional: a card without them offers none.
   */
  examplePrompts: z.array(z.string().min(1).max(2000)).max(20).optional(),
  tokenizer: z.object({
    /** "bytes": UTF-8 bytes + 3 (0 pad, 1 begin, 2 end); no vocabulary file needed */
    type: z.literal("bytes"),
    maxLength: z.number().int().positive(),
    padId: z.number().int(), bosId: z.number().int(), eosId: z.number().int(),
    vocabSize: z.number().int().positive(),
  }),
  textEncoder: z.object({
    file: z.string(),
    /** input ids: int64 [B, L]; output embeddings: float32 [B, L, hiddenSize] */
    inputs: tensorNames("ids"),
    outputs: tensorNames("embeddings"),
    hiddenSize: z.number().int().positive(),
  }),
  denoiser: z.object({
    file: z.string(),
    /**
     * latent float32 [B, C, T, H, W]; timestep float32 [B] in [0, 1] (1 = pure noise);
     * text float32 [B, L, textHidden]; textMask int32 [B, L] (1 = token, 0 = padding).
     * Output: the prediction, float32 [B, C, T, H, W].
     */
    inputs: tensorNames("latent", "timestep", "text", "textMask"),
    outputs: tensorNames("prediction"),
    /** [pt, ph, pw]: non-overlapping spacetime patches; T, H, W must be multiples */
    patchSize: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    hiddenSize: z.number().int().positive(),
    depth: z.number().int().positive(),
    heads: z.number().int().positive(),
    mlpRatio: z.number().positive(),
    /**
     * The DiT's temporal positions, computed inside its graph from the latent's T (descriptive here: the engine
     * passes latents of any T either way). "frame": latent frame index 0, 1, ...; "progress": where in the clip
     * each latent frame lies (kinema-shapes 2.x), so clips longer than the trained ones stay in range.
     */
    temporalPositions: z.enum(["frame", "progress"]).optional(),
    /**
     * The DiT's output, inside its graph (descriptive, like temporalPositions): "linear" (absent) per token, or "conv":
     * convolutions over the latent grid after it (kinema-shapes' --dit-head conv).
     */
    head: z.enum(["linear", "conv"]).optional(),
  }),
  vae: z.object({
    file: z.string(),
    /** latent float32 [B, C, t, h, w] -> frames float32 [B, 3, t * temporal, h * spatial, w * spatial] in [-1, 1] */
    inputs: tensorNames("latent"),
    outputs: tensorNames("frames"),
    temporalCompression: z.number().int().positive(),
    spatialCompression: z.number().int().positive(),
    /** latents are divided by this before decoding */
    scalingFactor: z.number().positive(),
  }),
  latentChannels: z.number().int().positive(),
  /** the frame rate the model was trained at: generation runs at most this fast, and the encoder
   *  resamples to the job's rate (a model trained on 8 fps clips moves wrongly at 24) */
  frameRate: z.number().int().positive().optional(),
  /**
   * A model whose clips always hold their whole motion from first frame to last (kinema-shapes: a shape
   * crosses the frame in 1 s as in 10 s) may generate a short clip at this many frames and keep, for each
   * frame asked for, the generated frame nearest its place in the clip (geometry.ts, decode.ts): an
   * autoencoder that packs several frames into a latent frame loses fast motion inside a group, and more
   * frames make it slower. Absent: clips are generated at the frames asked for.
   */
  minGeneratedFrames: z.number().int().positive().optional(),
  prediction: z.enum(["velocity", "epsilon"]),
  sampler: z.object({
    default: z.enum(["flow-euler", "ddim"]),
    guidanceScale: z.number().nonnegative(),
    /** flow-euler's time grid t = s u / (1 + (s - 1) u): the shift s the model was trained and checked for
     *  (kinema-shapes' export writes it). Absent: 3, every 1.x model's. */
    flowShift: z.number().positive().optional(),
    /** share of the initial noise's variance common to every latent frame (the rest is each frame's
     *  own); a model trained with that mixed noise prior must be sampled from it. Absent: 0. */
    frameSharedNoise: z.number().min(0).max(1).optional(),
    /** true: classifier-free guidance may push away from a negative prompt's encoding instead of the
     *  empty prompt's (the model conditions on any text there). Absent or false: a negative prompt is ignored. */
    negativePrompt: z.boolean().optional(),
  }),
  /** generation geometry per resolution: width and height multiples of spatialCompression * patch */
  buckets: z.record(z.string(), z.object({ width: z.number().int().positive(), height: z.number().int().positive() })),
  /** file name -> sha256 (hex) of its bytes */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
