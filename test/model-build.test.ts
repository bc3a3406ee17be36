// kinema-tiny's builder: deterministic bytes, a manifest that follows the contract, and graphs that
// onnxruntime-node loads and runs with the documented names, shapes and dtypes; the denoiser's text
// mask really hides padding, and the --nan-below fixture yields NaN exactly where asked.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../model/build.js";
import { manifestSchema, type ModelManifest } from "../src/engine/manifest.js";
import { mulberry32, onnx } from "../src/engine/onnx/index.js";

const FILES = ["denoiser.onnx", "text_encoder.onnx", "vae_decoder.onnx"];
const L = 64;

let root: string;
let dirA: string, dirB: string, dirNan: string;
let manifest: ModelManifest;
const sessions: InferenceSession[] = [];
let textEncoder: InferenceSession, denoiser: InferenceSession, vae: InferenceSession, nanDenoiser: InferenceSession;

const sha256 = async (path: string) => createHash("sha256").update(await readFile(path)).digest("hex");
const open = async (path: string) => {
  const s = await InferenceSession.create(path);
  sessions.push(s);
  return s;
};

/** Seeded standard-ish normal values (sum of uniforms), so test inputs are the same every run. */
function noise(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (next() + next() + next() + next() - 2) * Math.sqrt(3));
}

/** Byte tokens as the manifest's tokenizer defines them: BOS, UTF-8 bytes + 3, EOS, then padding. */
function tokenize(prompts: string[], length: number): { ids: Tensor; mask: Tensor } {
  const ids = new BigInt64Array(prompts.length * length);
  const mask = new Int32Array(prompts.length * length);
  prompts.forEach((p, b) => {
    const tokens = [1, ...Array.from(Buffer.from(p), (x) => x + 3), 2].slice(0, length);
    tokens.forEach((t, i) => {
      ids[b * length + i] = BigInt(t);
      mask[b * length + i] = 1;
    });
  });
  return { ids: new Tensor("int64", ids, [prompts.length, length]), mask: new Tensor("int32", mask, [prompts.length, length]) };
}

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const allFinite = (data: Float32Array) => data.every((v) => Number.isFinite(v));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

async function denoise(session: InferenceSession, latent: Float32Array, dims: number[], timestep: number[], text: Float32Array, mask: Tensor) {
  const out = await session.run({
    latent: new Tensor("float32", latent, dims),
    timestep: new Tensor("float32", Float32Array.from(timestep), [timestep.length]),
    text_embeddings: new Tensor("float32", text, [timestep.length, L, 64]),
    text_mask: mask,
  });
  return out.prediction!;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "kinema-model-"));
  [dirA, dirB, dirNan] = ["a", "b", "nan"].map((d) => join(root, d)) as [string, string, string];
  manifest = (await main(["--out", dirA])).manifest;
  await main(["--out", dirB]);
  await main(["--out", dirNan, "--nan-below", "0.5"]);
  [textEncoder, denoiser, vae, nanDenoiser] = await Promise.all([
    open(join(dirA, "text_encoder.onnx")),
    open(join(dirA, "denoiser.onnx")),
    open(join(dirA, "vae_decoder.onnx")),
    open(join(dirNan, "denoiser.onnx")),
  ]);
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
  if (root) await rm(root, { recursive: true, force: true });
});

describe("the kinema-tiny build", () => {
  it("gives the same bytes every time, and model.json hashes the files it names", async () => {
    for (const file of [...FILES, "model.json"]) expect(await sha256(join(dirB, file)), file).toBe(await sha256(join(dirA, file)));
    expect(Object.keys(manifest.files).sort()).toEqual(FILES);
    for (const file of FILES) expect(manifest.files[file]).toBe(await sha256(join(dirA, file)));
  });

  it("writes a manifest that follows the contract", async () => {
    const parsed = manifestSchema.parse(JSON.parse(await readFile(join(dirA, "model.json"), "utf8")));
    expect(parsed).toEqual(manifest);
    expect(parsed).toMatchObject({
      id: "kinema-tiny",
      trained: false,
      tokenizer: { type: "bytes", maxLength: 64, padId: 0, bosId: 1, eosId: 2, vocabSize: 259 },
      textEncoder: { file: "text_encoder.onnx", inputs: { ids: "input_ids" }, outputs: { embeddings: "text_embeddings" }, hiddenSize: 64 },
      denoiser: { patchSize: [1, 2, 2], hiddenSize: 128, depth: 4, heads: 4, mlpRatio: 4 },
      vae: { temporalCompression: 4, spatialCompression: 8, scalingFactor: 1 },
      latentChannels: 4,
      prediction: "velocity",
      sampler: { default: "flow-euler", guidanceScale: 4 },
    });
    expect(parsed.description).toMatch(/untrained/);
    expect(parsed.buckets).toEqual({
      CPU: { width: 256, height: 144 },
      R480P: { width: 848, height: 480 },
      R720P: { width: 1280, height: 720 },
      R1080P: { width: 1920, height: 1088 },
    });
    for (const { width, height } of Object.values(parsed.buckets)) expect([width % 16, height % 16]).toEqual([0, 0]);
    const nan = manifestSchema.parse(JSON.parse(await readFile(join(dirNan, "model.json"), "utf8")));
    expect(nan.id).toBe("kinema-tiny-nan");
    expect(nan.files["denoiser.onnx"]).not.toBe(manifest.files["denoiser.onnx"]);
    expect(nan.files["vae_decoder.onnx"]).toBe(manifest.files["vae_decoder.onnx"]);
    // the DiT's output head (kinema-shapes' --dit-head): declared values kept, anything else refused
    const headed = (head: string) => manifestSchema.safeParse({ ...parsed, denoiser: { ...parsed.denoiser, head } });
    expect(headed("conv")).toMatchObject({ success: true, data: { denoiser: { head: "conv" } } });
    expect(headed("spline").success).toBe(false);
    expect(parsed.denoiser.head).toBeUndefined();
  });

  it("declares the manifest's tensor names, dtypes and dynamic shapes", () => {
    const meta = (s: InferenceSession) => [...s.inputMetadata, ...s.outputMetadata].map((m) => (m.isTensor ? [m.name, m.type, m.shape] : [m.name]));
    expect(meta(textEncoder)).toEqual([
      ["input_ids", "int64", ["batch", "text_len"]],
      ["text_embeddings", "float32", ["batch", "text_len", 64]],
    ]);
    expect(meta(denoiser)).toEqual([
      ["latent", "float32", ["batch", 4, "frames", "height", "width"]],
      ["timestep", "float32", ["batch"]],
      ["text_embeddings", "float32", ["batch", "text_len", 64]],
      ["text_mask", "int32", ["batch", "text_len"]],
      ["prediction", "float32", ["batch", 4, "frames", "height", "width"]],
    ]);
    expect(meta(vae)).toEqual([
      ["latent", "float32", ["batch", 4, "latent_frames", "latent_height", "latent_width"]],
      ["frames", "float32", ["batch", 3, "frames", "height", "width"]],
    ]);
  });

  it("uses the fused com.microsoft MultiHeadAttention, the text mask as the cross-attention key padding mask", async () => {
    const model = onnx.ModelProto.decode(await readFile(join(dirA, "denoiser.onnx")));
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([["", 17], ["com.microsoft", 1]]);
    const mha = (model.graph?.node ?? []).filter((n) => n.opType === "MultiHeadAttention");
    expect(mha).toHaveLength(8); // self + cross per block, depth 4
    expect(mha.every((n) => n.domain === "com.microsoft")).toBe(true);
    expect(mha.filter((n) => n.input?.[4] === "text_mask")).toHaveLength(4);
  });
});

describe("running kinema-tiny in onnxruntime-node", () => {
  it("encodes byte tokens to finite [B, L, 64] embeddings that ignore how much padding follows", async () => {
    const long = tokenize(["a red circle moving left", "hi"], L);
    const out = (await textEncoder.run({ input_ids: long.ids })).text_embeddings!;
    expect(out.dims).toEqual([2, L, 64]);
    expect(allFinite(out.data as Float32Array)).toBe(true);
    const short = tokenize(["hi"], 8);
    const s = (await textEncoder.run({ input_ids: short.ids })).text_embeddings!.data as Float32Array;
    const prompt = 4 * 64; // BOS h i EOS
    expect(maxDiff(s.subarray(0, prompt), (out.data as Float32Array).subarray(L * 64, L * 64 + prompt))).toBeLessThan(1e-5);
  });

  it("predicts a finite, roughly unit-scale [B, 4, T, H, W] that depends on the timestep", async () => {
    const dims = [2, 4, 2, 6, 8];
    const latent = noise(size(dims), 1);
    const { mask } = tokenize(["a red circle", "a blue square"], L);
    const text = noise(2 * L * 64, 2);
    const a = await denoise(denoiser, latent, dims, [0.9, 0.3], text, mask);
    expect(a.dims).toEqual(dims);
    const data = a.data as Float32Array;
    expect(allFinite(data)).toBe(true);
    expect(rms(data)).toBeGreaterThan(0.2);
    expect(rms(data)).toBeLessThan(5);
    const b = await denoise(denoiser, latent, dims, [0.5, 0.3], text, mask);
    expect(maxDiff(data, b.data as Float32Array)).toBeGreaterThan(1e-3);
  });

  it("ignores the text embeddings at masked (padding) positions, but not at tokens", async () => {
    const dims = [2, 4, 2, 6, 8];
    const latent = noise(size(dims), 3);
    const { mask } = tokenize(["a red circle", "hi"], L);
    const text = noise(2 * L * 64, 4);
    const base = (await denoise(denoiser, latent, dims, [0.7, 0.7], text, mask)).data as Float32Array;
    const maskData = mask.data as Int32Array;
    const padded = Float32Array.from(text, (v, i) => (maskData[Math.floor(i / 64)] ? v : v * 50 + 7));
    const same = (await denoise(denoiser, latent, dims, [0.7, 0.7], padded, mask)).data as Float32Array;
    expect(maxDiff(base, same)).toBeLessThan(1e-6);
    const touched = Float32Array.from(text);
    touched[L * 64 + 64] = touched[L * 64 + 64]! + 5; // batch 1, token 1 ("h")
    const changed = (await denoise(denoiser, latent, dims, [0.7, 0.7], touched, mask)).data as Float32Array;
    expect(maxDiff(base.subarray(0, size(dims) / 2), changed.subarray(0, size(dims) / 2))).toBe(0); // batch 0 untouched
    expect(maxDiff(base.subarray(size(dims) / 2), changed.subarray(size(dims) / 2))).toBeGreaterThan(1e-4);
  });

  it("decodes a latent to [B, 3, 4t, 8h, 8w] frames in [-1, 1]", async () => {
    const dims = [1, 4, 2, 3, 4];
    const out = (await vae.run({ latent: new Tensor("float32", noise(size(dims), 5), dims) })).frames!;
    expect(out.dims).toEqual([1, 3, 8, 24, 32]);
    const data = out.data as Float32Array;
    expect(allFinite(data)).toBe(true);
    expect(data.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(rms(data)).toBeGreaterThan(0.05);
  });

  it("--nan-below: NaN for a timestep below the threshold, finite above", async () => {
    const dims = [2, 4, 2, 6, 8];
    const latent = noise(size(dims), 6);
    const { mask } = tokenize(["a", "b"], L);
    const text = noise(2 * L * 64, 7);
    const out = (await denoise(nanDenoiser, latent, dims, [0.2, 0.8], text, mask)).data as Float32Array;
    const half = size(dims) / 2;
    expect(out.subarray(0, half).every((v) => Number.isNaN(v))).toBe(true);
    expect(allFinite(out.subarray(half))).toBe(true);
    // Above the threshold the fixture is the real model.
    const real = (await denoise(denoiser, latent, dims, [0.2, 0.8], text, mask)).data as Float32Array;
    expect(maxDiff(out.subarray(half), real.subarray(half))).toBe(0);
  });
});
