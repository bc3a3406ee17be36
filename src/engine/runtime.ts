// The model runtime: the only module that imports onnxruntime-node. Loads a model folder (checking
// every file's content hash against its manifest) into three sessions on the chosen execution
// provider. A provider that cannot load is an error that names what is missing: there is no silent
// fall-back to the CPU.
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

export class LoadedModel {
  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    /** sha256 of model.json, which names every file's hash: one value for the whole model */
    readonly hash: string,
    readonly provider: ExecutionProvider,
    private readonly textEncoder: ort.InferenceSession,
    private readonly denoiser: ort.InferenceSession,
    private readonly vae: ort.InferenceSession,
  ) {}

  static async load(dir: string, provider: ExecutionProvider, threads?: number): Promise<LoadedModel> {
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
    // Spinning threads make back-to-back calls faster, which is what the denoiser does 30-50 times a job.
    // The text encoder and the VAE run once: their threads would spin ~40 ms after the call and take a
    // core from the denoiser's first steps (bench:denoise measured ~27 ms a job).
    const open = async (file: string, spin: boolean) => {
      const content = bytes.get(file);
      if (!content) throw new ModelLoadError(`model.json names ${file} but lists no content hash for it`);
      try {
        return await ort.InferenceSession.create(content, {
          executionProviders: [provider], graphOptimizationLevel: "all",
          ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
          ...(spin ? {} : { extra: { session: { intra_op: { allow_spinning: "0" } } } }),
        });
      } catch (error) {
        if (provider === "cpu") throw new ModelLoadError(`cannot load ${file}: ${(error as Error).message}`, { cause: error });
        throw new ModelLoadError(`execution provider "${provider}" is not available: ${PROVIDER_HELP[provider]} (${(error as Error).message})`, { cause: error });
      }
    };
    const [textEncoder, denoiser, vae] = [await open(manifest.textEncoder.file, false), await open(manifest.denoiser.file, true), await open(manifest.vae.file, false)];
    const hash = createHash("sha256").update(raw).digest("hex");
    return new LoadedModel(dir, manifest, hash, provider, textEncoder, denoiser, vae);
  }

  /** ids int64 [B, L] -> embeddings float32 [B, L, D] */
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
