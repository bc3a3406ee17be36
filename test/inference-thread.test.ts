// The inference thread (ThreadedModel): the same bytes as the sessions on the calling thread, a free
// event loop while a step runs, buffers handed over without copies, and load failures and a dead
// thread reported as clearly as on the calling thread.
import { createHash } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { denoise } from "../src/engine/denoise.js";
import { decodeToRawFrames } from "../src/engine/decode.js";
import { geometryFor } from "../src/engine/geometry.js";
import { ModelCache } from "../src/engine/models.js";
import { Rng } from "../src/engine/rng.js";
import { LoadedModel, ModelLoadError, type Model } from "../src/engine/runtime.js";
import { ThreadedModel } from "../src/engine/threaded-model.js";
import { tokenize } from "../src/engine/tokenizer.js";
import { loadConfig } from "../src/config/config.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MODEL_DIR = "models/kinema-tiny";
const sha256 = (values: Float32Array) => createHash("sha256").update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest("hex");

let inline: LoadedModel;
let threaded: ThreadedModel;
let scratch: string;

beforeAll(async () => {
  [inline, threaded] = await Promise.all([LoadedModel.load(MODEL_DIR, "cpu", 1), ThreadedModel.load(MODEL_DIR, "cpu", { threads: 1 })]);
  scratch = await mkdtemp(join(tmpdir(), "kinema-inference-thread-"));
});
afterAll(async () => {
  await inline?.release();
  await threaded?.release();
  await rm(scratch, { recursive: true, force: true });
});

/** An 8-step denoise and its VAE decode: every step's latent hash, the final latent's and the frames'. */
async function run(model: Model) {
  const geometry = geometryFor({ resolution: "R480P", durationSeconds: 1, fps: 24 }, model.manifest, "cpu");
  const latents: string[] = [];
  const latent = await denoise({
    model, prompt: "a red circle moving left", seed: 42, steps: 8, sampler: "flow-euler", guidance: 4.5, geometry,
    onStep: async (_step, values) => void latents.push(sha256(values)),
  });
  const frames = await decodeToRawFrames(model, latent, geometry, join(scratch, `${model.constructor.name}.rgb`));
  return { latent: sha256(latent), latents, frames: frames.sha256 };
}

describe("ThreadedModel", () => {
  it("computes the same latents and frames, bit for bit, as the sessions on the calling thread", async () => {
    const a = await run(inline);
    const b = await run(threaded);
    expect(b.latents).toEqual(a.latents);
    expect(b.latent).toBe(a.latent);
    expect(b.frames).toBe(a.frames);
  });

  it("leaves the event loop free while a step runs in the thread, however long the step", async () => {
    const slow = await ThreadedModel.load(MODEL_DIR, "cpu", { threads: 1, testStepDelayMs: 1_500 });
    try {
      const { ids, mask } = tokenize("a slow step", slow.manifest.tokenizer);
      const text = await slow.encodeText(ids, 1);
      const delay = monitorEventLoopDelay({ resolution: 10 });
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 50);
      delay.enable();
      const began = performance.now();
      await slow.denoise({ data: Rng.fromSeed(1).normal(new Float32Array(4 * 2 * 4 * 6)), dims: [1, 4, 2, 4, 6] }, new Float32Array([0.5]), text, mask);
      const took = performance.now() - began;
      delay.disable();
      clearInterval(ticker);
      expect(took).toBeGreaterThanOrEqual(1_500);
      // A 50 ms timer kept firing through the step: the loop was never held (generous for a loaded machine).
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(delay.max / 1e6).toBeLessThan(500);
    } finally {
      await slow.release();
    }
  });

  it("hands the input over without a copy and gives back an output it owns", async () => {
    const { ids, mask } = tokenize("hand over", threaded.manifest.tokenizer);
    const text = await threaded.encodeText(ids, 1);
    const latent = Rng.fromSeed(2).normal(new Float32Array(4 * 2 * 4 * 6));
    const out = await threaded.denoise({ data: latent, dims: [1, 4, 2, 4, 6] }, new Float32Array([0.5]), text, mask);
    expect(latent.byteLength).toBe(0); // transferred: detached here
    expect(out.dims).toEqual([1, 4, 2, 4, 6]);
    expect(out.data.byteLength).toBe(out.data.buffer.byteLength);
    expect(text.data.byteLength).toBeGreaterThan(0); // the embeddings are copied once, never taken
    // A view into a larger buffer is copied, not taken from whoever holds the rest of it.
    const shared = new Float32Array(2 * 4 * 2 * 4 * 6);
    const view = shared.subarray(0, 4 * 2 * 4 * 6);
    await threaded.denoise({ data: view, dims: [1, 4, 2, 4, 6] }, new Float32Array([0.5]), text, mask);
    expect(shared.byteLength).toBe(2 * 4 * 2 * 4 * 6 * 4);
  });

  it("reports a provider it cannot load as a ModelLoadError, as the calling thread's sessions do", async () => {
    const error = await ThreadedModel.load(MODEL_DIR, "cuda").then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toContain('execution provider "cuda" is not available');
  });

  it("fails the calls of a thread that died, and the model cache loads a new one", async () => {
    const cache = new ModelCache({ ...loadConfig({ KINEMA_MODEL_DIR: MODEL_DIR }).engine, threads: 1 });
    try {
      const first = await cache.get();
      await (first as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      expect(first.alive).toBe(false);
      await expect(first.encodeText(new BigInt64Array(64), 1)).rejects.toThrow(/inference thread exited/);
      const second = await cache.get();
      expect(second).not.toBe(first);
      expect(second.alive).toBe(true);
      expect((await second.encodeText(tokenize("again", second.manifest.tokenizer).ids, 1)).dims[0]).toBe(1);
    } finally {
      await cache.release();
    }
  });
});
