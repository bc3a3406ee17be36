// The denoising loop's look-ahead (src/engine/denoise.ts): given `lookAhead`, the next step's model call
// starts before onStep runs, so a worker's per-step work (progress, events, checkpoint and preview
// writes) overlaps the model instead of adding to each step. The latents stay the same bit for bit;
// onStep sees its step's latent, unchanged while the next call runs; a stop (onStep throwing) returns
// only once the call in flight has finished; while lookAhead answers false nothing starts early.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { denoise, type DenoiseRequest } from "../src/engine/denoise.js";
import { geometryFor } from "../src/engine/geometry.js";
import { LoadedModel, type Model } from "../src/engine/runtime.js";

let model: LoadedModel;

beforeAll(async () => {
  model = await LoadedModel.load("models/kinema-tiny", "cpu", 1);
});
afterAll(async () => {
  await model?.release();
});

/** The model with its denoiser calls counted: started, and in flight now. */
function counted(inner: Model): { model: Model; calls: { started: number; inFlight: number } } {
  const calls = { started: 0, inFlight: 0 };
  const wrapped: Model = {
    dir: inner.dir, manifest: inner.manifest, hash: inner.hash, provider: inner.provider,
    encodeText: (ids, batch) => inner.encodeText(ids, batch),
    decode: (latent) => inner.decode(latent),
    release: () => inner.release(),
    async denoise(latent, timesteps, text, mask) {
      calls.started += 1;
      calls.inFlight += 1;
      try {
        return await inner.denoise(latent, timesteps, text, mask);
      } finally {
        calls.inFlight -= 1;
      }
    },
  };
  return { model: wrapped, calls };
}

const STEPS = 6;

function request(m: Model, onStep: DenoiseRequest["onStep"], lookAhead?: () => boolean): DenoiseRequest {
  const geometry = geometryFor({ resolution: "R480P", durationSeconds: 1, fps: 24 }, m.manifest, "cpu");
  return { model: m, prompt: "a red circle moving left", seed: 21, steps: STEPS, sampler: "flow-euler", guidance: 4, geometry, onStep, lookAhead };
}

describe("denoise look-ahead", () => {
  it("gives the same latents, step by step, with the next call under way while onStep runs", async () => {
    const plain: Float32Array[] = [];
    const final = await denoise(request(model, async (_step, latent) => void plain.push(latent.slice())));

    const { model: m, calls } = counted(model);
    const seen: { step: number; inFlight: number; started: number }[] = [];
    const ahead: Float32Array[] = [];
    const finalAhead = await denoise(request(m, async (step, latent) => {
      seen.push({ step, inFlight: calls.inFlight, started: calls.started });
      const before = latent.slice();
      await new Promise((resolve) => setTimeout(resolve, 30)); // longer than a tiny step: the call ends meanwhile
      expect(latent).toEqual(before); // the next sampler update waits for onStep
      ahead.push(latent.slice());
    }, () => true));

    expect(finalAhead).toEqual(final);
    expect(ahead).toEqual(plain);
    // every step but the last had the next step's call started (and, for this model, in flight) when onStep began
    expect(seen.map((s) => s.started)).toEqual([2, 3, 4, 5, 6, 6]);
    expect(seen.slice(0, -1).every((s) => s.inFlight === 1)).toBe(true);
    expect(seen.at(-1)!.inFlight).toBe(0);
    expect(calls.started).toBe(STEPS);
  });

  it("starts nothing early while lookAhead answers false, and again once it answers true", async () => {
    const { model: m, calls } = counted(model);
    const started: number[] = [];
    let ahead = false;
    await denoise(request(m, async (step) => {
      started.push(calls.started);
      ahead = step >= 3;
    }, () => ahead));
    // asked before each onStep: false through step 3 (only each step's own call), true from step 4 on
    expect(started).toEqual([1, 2, 3, 5, 6, 6]);
  });

  it("a stop at a step returns once the call started ahead has finished, its result unused", async () => {
    const { model: m, calls } = counted(model);
    const stop = new Error("cancelled at step 2");
    const steps: number[] = [];
    await expect(denoise(request(m, async (step) => {
      steps.push(step);
      if (step === 2) throw stop;
    }, () => true))).rejects.toBe(stop);
    expect(steps).toEqual([1, 2]);
    expect(calls.started).toBe(3); // step 3's call had started
    expect(calls.inFlight).toBe(0); // and had ended before denoise() rejected
  });

  it("a model call that fails while onStep runs fails the loop at that step, with no unhandled rejection", async () => {
    const failure = new Error("the inference thread failed");
    let calls = 0;
    const failing: Model = { ...counted(model).model, denoise: async (...args) => {
      calls += 1;
      if (calls === 2) throw failure; // step 2's call, started during onStep(1)
      return model.denoise(...args);
    } };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const steps: number[] = [];
      await expect(denoise(request(failing, async (step) => {
        steps.push(step);
        await new Promise((resolve) => setTimeout(resolve, 20)); // the failed call settles meanwhile
      }, () => true))).rejects.toBe(failure);
      expect(steps).toEqual([1]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
