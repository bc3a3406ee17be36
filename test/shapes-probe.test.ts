// model/shapes/probe.ts's step: a generation that starts part-way, from the clip's ground truth noised to
// that step's time. From step 0 it is plain generation, bit for bit; from a late step the judge reads what the
// truth shows (about what the autoencoder keeps); a truth of the wrong size is refused.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAutoencoder, type Autoencoder } from "../eval/quality/ceiling.js";
import { EVAL_JOB, freeStepBudget } from "../eval/quality/generate.js";
import { renderClip, sampleClip } from "../model/shapes/dataset.js";
import { denoiseFromTruth, generateAndJudge, type JudgedRun } from "../model/shapes/judged.js";
import { geometryFor } from "../src/engine/geometry.js";
import { LoadedModel } from "../src/engine/runtime.js";

const SHAPES = "models/kinema-shapes";
let run: JudgedRun, ae: Autoencoder, dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-probe-test-"));
  const model = await LoadedModel.load(SHAPES, "cpu", 1);
  ae = await openAutoencoder(SHAPES);
  const geometry = geometryFor(EVAL_JOB, model.manifest, "cpu");
  run = { model, geometry, steps: freeStepBudget(), guidance: model.manifest.sampler.guidanceScale, scratchDir: dir };
});
afterAll(async () => {
  await run?.model.release();
  await ae?.release();
  await rm(dir, { recursive: true, force: true });
});

const specs = [0, 1, 2, 3, 4, 5].map((i) => sampleClip(99_800_000 + i)); // held out, as probe.ts's
const truthOf = async (i: number) => {
  const { width, height, frames } = run.geometry;
  return (await ae.encode(renderClip(specs[i]!, { width, height, frames }), frames)).data;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("denoising from the noised ground truth", () => {
  it("is plain generation from step 0, whatever the truth", async () => {
    for (const i of [0, 1]) {
      expect(await denoiseFromTruth(run, specs[i]!, i + 1, await truthOf(i), 0)).toEqual(await generateAndJudge(run, specs[i]!, i + 1));
    }
  }, 120_000);

  it("reads what the truth shows from a late step, better than from pure noise", async () => {
    const late: number[] = [], plain: number[] = [];
    for (let i = 0; i < specs.length; i++) {
      const truth = await truthOf(i);
      late.push((await denoiseFromTruth(run, specs[i]!, i + 1, truth, 28)).accuracy);
      plain.push((await denoiseFromTruth(run, specs[i]!, i + 1, truth, 0)).accuracy);
    }
    console.log(`judge accuracy on ${specs.length} held-out clips: from step 28 ${mean(late).toFixed(3)}, from step 0 ${mean(plain).toFixed(3)}`);
    expect(mean(late)).toBeGreaterThanOrEqual(0.6); // the autoencoder's own: 0.69 (test/shapes-model.test.ts)
    expect(mean(late)).toBeGreaterThan(mean(plain));
  }, 300_000);

  it("refuses a truth that is not the geometry's latent", async () => {
    await expect(denoiseFromTruth(run, specs[0]!, 1, new Float32Array(10), 5)).rejects.toThrow(/10-value truth for a 8x4x8x14 latent/);
  });
});
