// The model runtime: loads a model folder (checking every file's content hash against its manifest)
// into three onnxruntime sessions on the chosen execution provider. A provider that cannot load is an
// error that names what is missing: there is no silent fall-back to the CPU.
//
// Two implementations of the one `Model` contract: `LoadedModel` runs the sessions on the calling
// thread (scripts, the eval, tests, the bench's bare loop), `ThreadedModel` (threaded-model.ts) runs
// them in an inference thread so a worker's event loop is never blocked by a step (heartbeats, the API
// in embedded mode). onnxruntime-node is imported here and by that thread (inference-thread.mjs) only.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { manifestSchema, type ModelManifest } from "./manifest.js";

export type ExecutionProvider = "cpu" | "webgpu" | "cuda";

export class ModelLoadError extends Error {}

const PROVIDER_HELP: Record<ExecutionProvider, string> = {
  cpu: "",
  webgpu: "onnxruntime-node's WebGPU provider needs a GPU adapter (Dawn over Vulkan on Linux: the Vulkan loader and the GPU's ICD)",
  cuda: "onnxruntime-node's CUDA provider needs libonnxruntime_providers_cuda.so with CUDA 12 and cuDNN 9 libraries on the library path; the npm package does not ship them",
};

export interface Tensor { data: Float32Array; dims: number[] }

/** A loaded model: what the denoising loop and the VAE decode call. */
export interface Model {
  readonly dir: string;
  readonly manifest: ModelManifest;
  /** sha256 of model.json, which names every file's hash: one value for the whole model */
  readonly hash: string;
  readonly provider: ExecutionProvider;
  /** ids int64 [B, L] -> embeddings float32 [B, L, D] */
  encodeText(ids: BigInt64Array, batch: number): Promise<Tensor>;
  /**
   * One DiT evaluation. `latent.data` is handed over: a threaded model transfers its buffer to the
   * inference thread (no copy), which leaves it empty here, so pass a buffer you do not read again.
   */
  denoise(latent: Tensor, timesteps: Float32Array, text: Tensor, textMask: Int32Array): Promise<Tensor>;
  /** VAE decode; `latent.data` is handed over as in denoise(). */
  decode(latent: Tensor): Promise<Tensor>;
  release(): Promise<void>;
}

/** model.json, validated, and every file it names, each checked against its sha256. */
export interface ModelFiles { manifest: ModelManifest; hash: string; bytes: Map<string, Buffer> }

export async function readModel(dir: string): Promise<ModelFiles> {
  const raw = await readFile(join(dir, "model.json")).catch((error) => {
    throw new ModelLoadError(`cannot read ${join(dir, "model.json")}: ${(error as Error).message} (build it with \`npm run model:build\`)`);
  });
  const parsed = manifestSchema.safeParse(JSON.parse(raw.toString("utf8")));
  if (!parsed.success) throw new ModelLoadError(`invalid model.json in ${dir}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const manifest = parsed.data;
  const bytes = new Map<string, Buffer>();
  for (const [file, expected] of Object.entries(manifest.files)) {
    const content = await readFile(join(dir, file));
    const actual = createHash("sha256").update(content).digest("hex");
    if (actual !== expected) throw new ModelLoadError(`model file ${file} does not match its manifest: sha256 ${actual}, expected ${expected}`);
    bytes.set(file, content);
  }
  for (const file of [manifest.textEncoder.file, manifest.denoiser.file, manifest.vae.file]) {
    if (!bytes.has(file)) throw new ModelLoadError(`model.json names ${file} but lists no content hash for it`);
  }
  return { manifest, hash: createHash("sha256").update(raw).digest("hex"), bytes };
}

/** The three sessions a model is made of, in the order both implementations create them. */
export type SessionRole = "textEncoder" | "denoiser" | "vae";
export const SESSION_ROLES: readonly SessionRole[] = ["textEncoder", "denoiser", "vae"];

/**
 * onnxruntime session options for one session (plain data: they cross to the inference thread).
 * Spinning threads make back-to-back calls faster, which is what the denoiser does 30-50 times a job.
 * The text encoder and the VAE run once: their threads would spin ~40 ms after the call and take a
 * core from the denoiser's first steps (bench:denoise measured ~27 ms a job).
 */
export function sessionOptions(role: SessionRole, provider: ExecutionProvider, threads?: number): ort.InferenceSession.SessionOptions {
  const spin = role === "denoiser";
  return {
    executionProviders: [provider], graphOptimizationLevel: "all",
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    ...(spin ? {} : { extra: { session: { intra_op: { allow_spinning: "0" } } } }),
  };
}

/** The error a session that would not load becomes: for an accelerator, what it needs. */
export function sessionLoadError(provider: ExecutionProvider, file: string, message: string, cause?: unknown): ModelLoadError {
  if (provider === "cpu") return new ModelLoadError(`cannot load ${file}: ${message}`, { cause });
  return new ModelLoadError(`execution provider "${provider}" is not available: ${PROVIDER_HELP[provider]} (${message})`, { cause });
}

/** The sessions on the calling thread: a step blocks its event loop for as long as it runs. */
export class LoadedModel implements Model {
  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    readonly hash: string,
    readonly provider: ExecutionProvider,
    private readonly textEncoder: ort.InferenceSession,
    private readonly denoiser: ort.InferenceSession,
    private readonly vae: ort.InferenceSession,
  ) {}

  static async load(dir: string, provider: ExecutionProvider, threads?: number): Promise<LoadedModel> {
    const { manifest, hash, bytes } = await readModel(dir);
    const open = async (role: SessionRole) => {
      const file = manifest[role].file;
      try {
        return await ort.InferenceSession.create(bytes.get(file)!, sessionOptions(role, provider, threads));
      } catch (error) {
        throw sessionLoadError(provider, file, (error as Error).message, error);
      }
    };
    const [textEncoder, denoiser, vae] = [await open("textEncoder"), await open("denoiser"), await open("vae")];
    return new LoadedModel(dir, manifest, hash, provider, textEncoder, denoiser, vae);
  }

  async encodeText(ids: BigInt64Array, batch: number): Promise<Tensor> {
    const { inputs, outputs } = this.manifest.textEncoder;
    const length = ids.length / batch;
    const result = await this.textEncoder.run({ [inputs.ids]: new ort.Tensor("int64", ids, [batch, length]) });
    return tensor(result[outputs.embeddings]!);
  }

  async denoise(latent: Tensor, timesteps: Float32Array, text: Tensor, textMask: Int32Array): Promise<Tensor> {
    const { inputs, outputs } = this.manifest.denoiser;
    const result = await this.denoiser.run({
      [inputs.latent]: new ort.Tensor("float32", latent.data, latent.dims),
      [inputs.timestep]: new ort.Tensor("float32", timesteps, [timesteps.length]),
      [inputs.text]: new ort.Tensor("float32", text.data, text.dims),
      [inputs.textMask]: new ort.Tensor("int32", textMask, [text.dims[0]!, text.dims[1]!]),
    });
    return tensor(result[outputs.prediction]!);
  }

  async decode(latent: Tensor): Promise<Tensor> {
    const { inputs, outputs } = this.manifest.vae;
    const result = await this.vae.run({ [inputs.latent]: new ort.Tensor("float32", latent.data, latent.dims) });
    return tensor(result[outputs.frames]!);
  }

  async release(): Promise<void> {
    await Promise.all([this.textEncoder.release(), this.denoiser.release(), this.vae.release()]);
  }
}

function tensor(value: ort.Tensor): Tensor {
  return { data: value.data as Float32Array, dims: [...value.dims] };
}
