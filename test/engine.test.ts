// The engine's parts on their own: samplers recover the data from an oracle model, the RNG and the
// checkpoint codec resume exactly, geometry follows the manifest, and the runtime refuses a tampered
// model and a provider it cannot load.
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from "../src/engine/checkpoint.js";
import { denoise, resumable } from "../src/engine/denoise.js";
import { geometryFor } from "../src/engine/geometry.js";
import { Rng } from "../src/engine/rng.js";
import { LoadedModel, ModelLoadError } from "../src/engine/runtime.js";
import { samplerStep, timeGrid, type SamplerName } from "../src/engine/sampler.js";
import { tokenize } from "../src/engine/tokenizer.js";
import { StepTimes } from "../src/engine/step-times.js";
import type { ModelManifest } from "../src/engine/manifest.js";

const MODEL_DIR = "models/kinema-tiny";
let model: LoadedModel;
let manifest: ModelManifest;

beforeAll(async () => {
  model = await LoadedModel.load(MODEL_DIR, "cpu", 1);
  manifest = model.manifest;
});
afterAll(async () => {
  await model?.release();
});

describe("samplers", () => {
  // An oracle that knows the clean sample x0: its prediction is exact, so every sampler must land on x0.
  const x0 = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const oracle = (prediction: "velocity" | "epsilon", x: Float32Array, t: number, noise: Float32Array) =>
    Float32Array.from(x, (_, i) => (prediction === "velocity" ? noise[i]! - x0[i]! : noise[i]!));

  function sample(sampler: SamplerName, prediction: "velocity" | "epsilon", steps: number): Float32Array {
    const noise = Rng.fromSeed(5).normal(new Float32Array(64));
    const grid = timeGrid(sampler, steps, prediction);
    const t0 = grid[0]!;
    const a = prediction === "velocity" ? 1 - t0 : Math.cos((Math.PI / 2) * t0);
    const s = prediction === "velocity" ? t0 : Math.sin((Math.PI / 2) * t0);
    const x = Float32Array.from(x0, (v, i) => a * v + s * noise[i]!);
    for (let i = 0; i < steps; i++) samplerStep(sampler, prediction, x, oracle(prediction, x, grid[i]!, noise), grid[i]!, grid[i + 1]!);
    return x;
  }
  const maxError = (x: Float32Array) => Math.max(...x.map((v, i) => Math.abs(v - x0[i]!)));

  // Exact updates: DDIM on both paths; Euler on the straight flow path.
  for (const [sampler, prediction] of [["ddim", "velocity"], ["ddim", "epsilon"], ["flow-euler", "velocity"]] as const) {
    it(`${sampler} recovers the data exactly for a ${prediction} model`, () => {
      expect(maxError(sample(sampler, prediction, 20))).toBeLessThan(1e-3);
    });
  }

  it("flow-euler on the curved path of an epsilon model converges as steps grow (first order)", () => {
    const coarse = maxError(sample("flow-euler", "epsilon", 20));
    const fine = maxError(sample("flow-euler", "epsilon", 80));
    expect(fine).toBeLessThan(coarse / 2);
  });

  it("uses different time grids: shifted for flow-euler, uniform for ddim", () => {
    const euler = timeGrid("flow-euler", 10, "velocity");
    const ddim = timeGrid("ddim", 10, "velocity");
    expect(euler[0]).toBe(1);
    expect(euler.at(-1)).toBe(0);
    expect(ddim[5]).toBeCloseTo(0.5);
    expect(euler[5]).toBeGreaterThan(0.7); // more steps spent at high noise
  });

  it("shifts flow-euler's grid by the given shift: 1 is ddim's uniform grid, none is 1.x's 3", () => {
    expect(timeGrid("flow-euler", 10, "velocity", 1)).toEqual(timeGrid("ddim", 10, "velocity"));
    expect(timeGrid("flow-euler", 10, "velocity")).toEqual(timeGrid("flow-euler", 10, "velocity", 3));
    expect(timeGrid("flow-euler", 10, "velocity", 3)[5]).toBeCloseTo(0.75);
    expect(timeGrid("flow-euler", 10, "velocity", 6)[5]).toBeCloseTo(6 / 7);
  });
});

describe("RNG and checkpoints", () => {
  it("draws the same noise from the same seed, and continues exactly from a saved state", () => {
    const a = Rng.fromSeed(42);
    const b = Rng.fromSeed(42);
    const first = a.normal(new Float32Array(1001));
    expect(b.normal(new Float32Array(1001))).toEqual(first);
    const saved = a.state;
    const next = a.normal(new Float32Array(10));
    expect(Rng.fromState(saved).normal(new Float32Array(10))).toEqual(next);
    const mean = first.reduce((s, v) => s + v, 0) / first.length;
    const variance = first.reduce((s, v) => s + (v - mean) ** 2, 0) / first.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(variance).toBeGreaterThan(0.85);
    expect(variance).toBeLessThan(1.15);
    expect(Rng.fromSeed(43).normal(new Float32Array(4))).not.toEqual(first.subarray(0, 4));
  });

  it("round-trips a checkpoint and refuses a foreign or truncated file", () => {
    const latent = Rng.fromSeed(1).normal(new Float32Array(4 * 2 * 3 * 5));
    const c = { step: 10, totalSteps: 30, sampler: "flow-euler", guidance: 4, modelHash: "abc", shape: [4, 2, 3, 5], rng: Rng.fromSeed(2).state, latent };
    const back = decodeCheckpoint(encodeCheckpoint(c));
    expect(back).toEqual(c);
    const whole = encodeCheckpoint(c);
    expect(() => decodeCheckpoint(whole.subarray(0, whole.length - 8))).toThrow(/expected/);
    const bogus = Buffer.alloc(40);
    bogus.writeUInt32LE(2, 0);
    bogus.write("{}", 4);
    expect(() => decodeCheckpoint(bogus)).toThrow(/not a Kinema checkpoint/);
  });

  it("resumes a checkpoint at the last step (a drain's) to zero steps left, and refuses one past it", async () => {
    const geometry = geometryFor({ resolution: "R480P", durationSeconds: 1, fps: 24 }, manifest, "cpu");
    const request = { model, prompt: "drained at the end", seed: 9, steps: 3, sampler: "flow-euler" as const, guidance: 4, geometry };
    let last: Checkpoint | null = null;
    const latent = await denoise({ ...request, onStep: async (step, values, rng) => {
      last = { step, totalSteps: 3, sampler: "flow-euler", guidance: 4, modelHash: model.hash, shape: geometry.latent, rng, latent: values.slice() };
    } });
    const checkpoint = decodeCheckpoint(encodeCheckpoint(last!));
    expect(resumable(checkpoint, request)).toBe(true);
    let steps = 0;
    const resumed = await denoise({ ...request, resume: checkpoint, onStep: async () => void steps++ });
    expect(steps).toBe(0);
    expect(resumed).toEqual(latent);
    expect(resumable({ ...checkpoint, step: 4 }, request)).toBe(false);
  });

  it("samples on the time grid its manifest's sampler.flowShift names", async () => {
    // The same model with flowShift 1: flow-euler then walks ddim's uniform grid, and on the flow path the two
    // updates agree (up to rounding), so the clip matches ddim's on the original, not flow-euler's at shift 3.
    const dir = await mkdtemp(join(tmpdir(), "kinema-shift-"));
    for (const f of await readdir(MODEL_DIR)) await copyFile(join(MODEL_DIR, f), join(dir, f));
    const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    await writeFile(join(dir, "model.json"), JSON.stringify({ ...json, sampler: { ...json.sampler, flowShift: 1 } }));
    const shifted = await LoadedModel.load(dir, "cpu", 1);
    try {
      const geometry = geometryFor({ resolution: "R480P", durationSeconds: 1, fps: 24 }, manifest, "cpu");
      const request = { prompt: "a red circle", seed: 4, steps: 4, guidance: 4, geometry, onStep: async () => {} };
      const uniform = await denoise({ ...request, model: shifted, sampler: "flow-euler" });
      const ddim = await denoise({ ...request, model, sampler: "ddim" });
      const shift3 = await denoise({ ...request, model, sampler: "flow-euler" });
      const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      expect(shifted.manifest.sampler.flowShift).toBe(1);
      expect(maxDiff(uniform, ddim)).toBeLessThan(1e-4);
      expect(maxDiff(shift3, ddim)).toBeGreaterThan(1e-2);
    } finally {
      await shifted.release();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("tokenizer and geometry", () => {
  it("encodes UTF-8 bytes between begin and end marks, truncating long prompts", () => {
    const { ids, mask, length } = tokenize("hé", manifest.tokenizer);
    expect([...ids.slice(0, 5)].map(Number)).toEqual([1, 104 + 3, 0xc3 + 3, 0xa9 + 3, 2]);
    expect(length).toBe(5);
    expect([...mask.slice(0, 6)]).toEqual([1, 1, 1, 1, 1, 0]);
    const long = tokenize("x".repeat(500), manifest.tokenizer);
    expect(long.length).toBe(manifest.tokenizer.maxLength);
    expect(Number(long.ids[manifest.tokenizer.maxLength - 1])).toBe(2);
  });

  it("maps jobs to latents through the manifest; the full 1080p, 10 s geometry is accepted", () => {
    const cpu = geometryFor({ resolution: "R480P", durationSeconds: 2, fps: 24 }, manifest, "cpu");
    expect(cpu).toMatchObject({ width: 256, height: 144, fps: 8, frames: 16, latent: [4, 4, 18, 32], tokens: 4 * 9 * 16 });
    const full = geometryFor({ resolution: "R1080P", durationSeconds: 10, fps: 24 }, manifest, "full");
    expect(full).toMatchObject({ width: 1920, height: 1088, frames: 240, latent: [4, 60, 136, 240], tokens: 60 * 68 * 120 });
    expect(() => geometryFor({ resolution: "R4K", durationSeconds: 1, fps: 24 }, manifest, "full")).toThrow(/no "R4K" resolution bucket/);
  });

  it("generates no faster than the model's own frame rate, on either profile", () => {
    const sixFps = { ...manifest, frameRate: 6 };
    expect(geometryFor({ resolution: "R1080P", durationSeconds: 2, fps: 24 }, sixFps, "full")).toMatchObject({ fps: 6, frames: 12, latent: [4, 3, 136, 240] });
    expect(geometryFor({ resolution: "R480P", durationSeconds: 2, fps: 24 }, sixFps, "cpu")).toMatchObject({ fps: 6, frames: 12 });
  });
});

describe("runtime", () => {
  let tampered: string;
  beforeAll(async () => {
    tampered = await mkdtemp(join(tmpdir(), "kinema-tampered-"));
    for (const f of await readdir(MODEL_DIR)) await copyFile(join(MODEL_DIR, f), join(tampered, f));
  });
  afterAll(async () => {
    await rm(tampered, { recursive: true, force: true });
  });

  it("refuses a model file whose content does not match the manifest's hash", async () => {
    await writeFile(join(tampered, "vae_decoder.onnx"), Buffer.from("not the real decoder"));
    await expect(LoadedModel.load(tampered, "cpu")).rejects.toThrow(/vae_decoder\.onnx does not match its manifest/);
  });

  it("fails clearly, never falling back to the CPU, when a GPU provider cannot load here", async () => {
    for (const provider of ["cuda", "webgpu"] as const) {
      const error = await LoadedModel.load(MODEL_DIR, provider).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toContain(`execution provider "${provider}" is not available`);
    }
  });

  it("runs the three graphs with the manifest's names and shapes", async () => {
    const { ids } = tokenize("a red circle", manifest.tokenizer);
    const text = await model.encodeText(ids, 1);
    expect(text.dims).toEqual([1, manifest.tokenizer.maxLength, manifest.textEncoder.hiddenSize]);
    const latent = { data: Rng.fromSeed(3).normal(new Float32Array(4 * 2 * 4 * 6)), dims: [1, 4, 2, 4, 6] };
    const out = await model.denoise(latent, new Float32Array([0.5]), text, tokenize("a red circle", manifest.tokenizer).mask);
    expect(out.dims).toEqual([1, 4, 2, 4, 6]);
    const frames = await model.decode(latent);
    expect(frames.dims).toEqual([1, 3, 8, 32, 48]);
    expect(Math.max(...frames.data)).toBeLessThanOrEqual(1);
  });
});

describe("ETA from measured costs", () => {
  it("uses the measured step rate and tail of this model and geometry, and nothing before a measurement", () => {
    const times = new StepTimes();
    const key = StepTimes.key("hash", [4, 4, 18, 32]);
    expect(times.etaSeconds(key, 30)).toBeUndefined();
    times.recordStep(key, 100);
    expect(times.etaSeconds(key, 30)).toBe(3);
    times.recordTail(key, 2_000);
    expect(times.etaSeconds(key, 30)).toBe(5);
    times.recordStep(key, 200); // a moving average: 100 + 0.2 * (200 - 100) = 120 ms
    expect(times.etaSeconds(key, 10)).toBe(4);
    expect(times.etaSeconds(StepTimes.key("hash", [4, 20, 18, 32]), 10)).toBeUndefined();
  });
});
