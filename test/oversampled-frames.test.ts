// A manifest's minGeneratedFrames: a clip shorter than that is generated at that many frames, and its
// decode keeps, for each of the clip's frames, the decoded frame nearest the same place in the clip
// (kinema-shapes 2.x generates 1 s clips at 16 frames: its 2-frame latent groups lose a bounce inside 8).
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeToRawFrames } from "../src/engine/decode.js";
import { geometryFor, sourceFrame } from "../src/engine/geometry.js";
import { LoadedModel } from "../src/engine/runtime.js";
import { createPool } from "../src/db/pool.js";
import { waitFor } from "./helpers/app.js";
import { createTestDatabase } from "./helpers/db.js";
import { JOB_STATE, withEngine } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";

const SHAPES = "models/kinema-shapes";
let dir: string;
let model: LoadedModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-oversampled-"));
  model = await LoadedModel.load(SHAPES, "cpu", 1);
}, 60_000);
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const job = (durationSeconds: number) => ({ resolution: "R480P", durationSeconds, fps: 24 });

describe("minGeneratedFrames", () => {
  it("generates a shorter clip at that many frames, and a clip at least that long at its own", () => {
    const manifest = { ...model.manifest, minGeneratedFrames: 16 };
    const tc = manifest.vae.temporalCompression;
    const short = geometryFor(job(1), manifest, "cpu");
    expect(short).toMatchObject({ frames: 8, generatedFrames: 16 });
    expect(short.latent[1]).toBe(16 / tc);
    const long = geometryFor(job(2), manifest, "cpu");
    expect(long.frames).toBe(16);
    expect(long.generatedFrames).toBeUndefined();
    expect(long.latent[1]).toBe(16 / tc);
    // without it (1.x's manifests), a clip is generated at its own frames
    const plain = geometryFor(job(1), model.manifest, "cpu");
    expect(plain.generatedFrames).toBeUndefined();
    expect(plain.latent[1]).toBe(8 / tc);
  });

  it("keeps first and last, and for each frame the nearest decoded one, in order", () => {
    expect(Array.from({ length: 8 }, (_, i) => sourceFrame(i, { frames: 8, generatedFrames: 16 }))).toEqual([0, 2, 4, 6, 9, 11, 13, 15]);
    expect(Array.from({ length: 8 }, (_, i) => sourceFrame(i, { frames: 8 }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const [frames, generated] of [[8, 9], [8, 24], [16, 17], [3, 80]] as const) {
      const kept = Array.from({ length: frames }, (_, i) => sourceFrame(i, { frames, generatedFrames: generated }));
      expect(kept[0]).toBe(0);
      expect(kept.at(-1)).toBe(generated - 1);
      for (let i = 0; i < frames; i++) {
        if (i > 0) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
        // nearest: within half a decoded frame of the clip frame's place
        expect(Math.abs(kept[i]! - (i * (generated - 1)) / (frames - 1))).toBeLessThanOrEqual(0.5);
      }
    }
  });

  it("decodes the kept frames exactly as the whole clip decodes them", async () => {
    const manifest = { ...model.manifest, minGeneratedFrames: 16 };
    const short = geometryFor(job(1), manifest, "cpu");
    const whole = geometryFor(job(2), model.manifest, "cpu"); // the same latent, all 16 frames kept
    expect(whole.latent).toEqual(short.latent);
    const latent = new Float32Array(short.latent.reduce((a, b) => a * b, 1));
    let s = 7;
    for (let i = 0; i < latent.length; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; latent[i] = (s / 2 ** 31) * 2 - 1; }
    const kept = await decodeToRawFrames(model, latent, short, join(dir, "short.rgb"));
    const all = await decodeToRawFrames(model, latent, whole, join(dir, "whole.rgb"));
    expect(kept.count).toBe(8);
    expect(all.count).toBe(16);
    const frameBytes = kept.width * kept.height * 3;
    const keptBytes = await readFile(kept.path), allBytes = await readFile(all.path);
    expect(keptBytes.length).toBe(8 * frameBytes);
    for (let i = 0; i < 8; i++) {
      const from = sourceFrame(i, short);
      expect(keptBytes.subarray(i * frameBytes, (i + 1) * frameBytes).equals(allBytes.subarray(from * frameBytes, (from + 1) * frameBytes)), `frame ${i} <- ${from}`).toBe(true);
    }
    // and they are not simply the first 8 decoded frames
    expect(keptBytes.equals(allBytes.subarray(0, 8 * frameBytes))).toBe(false);
  }, 60_000);
});

describe("a job on a model with minGeneratedFrames", () => {
  it("denoises the short clip at that many frames and delivers the clip's own frames", async () => {
    // kinema-tiny (fast) with the field set: a 1 s job at the cpu profile is 8 frames; 16 are generated, the
    // nearest 8 kept, and the encoder resamples those to the job's 24 fps as for any clip
    const modelDir = await mkdtemp(join(tmpdir(), "kinema-oversampled-model-"));
    await cp("models/kinema-tiny", modelDir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(modelDir, "model.json"), "utf8"));
    await writeFile(join(modelDir, "model.json"), JSON.stringify({ ...manifest, minGeneratedFrames: 16 }));
    const tc = manifest.vae.temporalCompression as number;
    const db = await createTestDatabase();
    const pool = createPool(db.url, 1);
    try {
      await withEngine(db.url, { KINEMA_MODEL_DIR: modelDir }, async (app) => {
        const account = await app.account("FREE");
        const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a purple square moving down", durationSeconds: 1, resolution: "R480P", seed: 5 } });
        const job = await waitFor(async () => {
          const { job } = await account.client.data(JOB_STATE, { id: generateVideo.job.id });
          return ["SUCCEEDED", "FAILED"].includes(job.status) ? job : null;
        }, 60_000, "the job to finish");
        expect(job.status).toBe("SUCCEEDED");
        expect(job.video).toMatchObject({ frames: 24, fps: 24 });
        const { rows } = await pool.query(`SELECT metadata FROM jobs WHERE id = $1`, [generateVideo.job.id]);
        const { denoise, decode } = rows[0].metadata;
        expect(denoise.generatedFrames).toBe(16);
        expect(denoise.latent[1]).toBe(16 / tc);
        expect(decode.frames).toBe(8);
      });
    } finally {
      await pool.end();
      await db.drop();
      await rm(modelDir, { recursive: true, force: true });
    }
  }, 120_000);
});
