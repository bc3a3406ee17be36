// The negative prompt in the engine and through a real worker: both shipped models' contracts say they
// take one; guidance against its encoding changes the frames (same seed, with and without), the same
// negative prompt gives the same frames again; a job run by the production pipeline records it, and a
// finished job carries gpuSeconds (its stage times) and costDollars at the configured price.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { denoise } from "../src/engine/denoise.js";
import { geometryFor } from "../src/engine/geometry.js";
import { manifestSchema } from "../src/engine/manifest.js";
import { LoadedModel } from "../src/engine/runtime.js";
import { createPool } from "../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor } from "./helpers/app.js";
import { withEngine } from "./helpers/engine.js";

let model: LoadedModel;

beforeAll(async () => {
  model = await LoadedModel.load("models/kinema-tiny", "cpu", 1);
});
afterAll(async () => {
  await model?.release();
});

/** 3 denoising steps then the VAE: the decoded frames, for one seed. */
async function frames(negativePrompt: string | null): Promise<Float32Array> {
  const geometry = geometryFor({ resolution: "R480P", durationSeconds: 1, fps: 24 }, model.manifest, "cpu");
  const latent = await denoise({
    model, prompt: "a red ball bouncing", negativePrompt, seed: 42, steps: 3, sampler: "flow-euler", guidance: 4, geometry, onStep: async () => {},
  });
  const [c, t, h, w] = geometry.latent as [number, number, number, number];
  const out = await model.decode({ data: latent, dims: [1, c, t, h, w] });
  return out.data as Float32Array;
}

describe("the model contract", () => {
  it("both shipped models say they take a negative prompt", async () => {
    for (const dir of ["models/kinema-tiny", "models/kinema-shapes"]) {
      const manifest = manifestSchema.parse(JSON.parse(await readFile(`${dir}/model.json`, "utf8")));
      expect(manifest.sampler.negativePrompt, dir).toBe(true);
    }
  });
});

describe("guidance against a negative prompt", () => {
  it("changes the frames for the same seed; the same negative prompt gives the same frames", async () => {
    const plain = await frames(null);
    const negative = await frames("blurry, dark");
    const again = await frames("blurry, dark");
    expect(again).toEqual(negative);
    expect(negative).not.toEqual(plain);
    let diff = 0;
    for (let i = 0; i < plain.length; i++) diff += Math.abs(plain[i]! - negative[i]!);
    expect(diff / plain.length).toBeGreaterThan(1e-4);
    // An empty negative prompt is the plain unconditional branch.
    expect(await frames("")).toEqual(plain);
  }, 120_000);
});

describe("a job with a negative prompt, run by a worker", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 2);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it("is denoised against it, and carries gpuSeconds and costDollars once finished", async () => {
    await withEngine(db.url, { KINEMA_GPU_HOURLY_COST: "7.2", KINEMA_FREE_STEPS: "4" }, async (app) => {
      await app.kinema.scheduler.update({ admissionControl: false }, { actor: "test" });
      const user = await app.account("FREE");
      const { generateVideo } = await user.client.data(`mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { job { id } userErrors { code } } }`,
        { input: { prompt: "a red ball", negativePrompt: "blurry", durationSeconds: 1, resolution: "R480P", seed: 3 } });
      expect(generateVideo.userErrors).toEqual([]);
      const id = generateVideo.job.id as string;
      const job = await waitFor(async () => {
        const { job: j } = await user.client.data(`query($id: ID!) { job(id: $id) { status negativePrompt gpuSeconds costDollars error { code message } } }`, { id });
        return ["SUCCEEDED", "FAILED"].includes(j.status) ? j : null;
      }, 240_000, "the job to finish");
      expect(job).toMatchObject({ status: "SUCCEEDED", negativePrompt: "blurry" });
      const { rows } = await pool.query(`SELECT metadata FROM jobs WHERE id = $1`, [id]);
      const { stageMs, denoise: denoised } = rows[0].metadata as { stageMs: Record<string, number>; denoise: { negativePrompt: boolean } };
      expect(denoised.negativePrompt).toBe(true);
      expect(Object.keys(stageMs)).toContain("DENOISING");
      const seconds = Object.values(stageMs).reduce((a, b) => a + b, 0) / 1000;
      expect(seconds).toBeGreaterThan(0);
      expect(job.gpuSeconds).toBeCloseTo(seconds, 6);
      expect(job.costDollars).toBeCloseTo(Math.round(seconds * 7.2 / 3600 * 10_000) / 10_000, 6);
    });
  }, 300_000);
});
