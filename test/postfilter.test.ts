// The post-filter in the real pipeline: a clean clip passes with an audit record of every sampled
// frame; a clip with a frame in the CSAM hash bank ends BLOCKED in POSTFILTER and nothing of it is kept;
// a clip the NSFW classifier flags (thresholds lowered to 0 here) ends BLOCKED and is never signed or stored.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeToRawFrames } from "../src/engine/decode.js";
import { denoise } from "../src/engine/denoise.js";
import { geometryFor } from "../src/engine/geometry.js";
import { LoadedModel } from "../src/engine/runtime.js";
import { readFrames, sampledFrames } from "../src/safety/scan/index.js";
import { pdqHash } from "../src/safety/pdq/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor, type TestKinema } from "./helpers/app.js";
import { withEngine as withEngineOn } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  dir = await mkdtemp(join(tmpdir(), "kinema-postfilter-"));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const PROMPT = "a grey circle moving right";

const withEngine = (env: Record<string, string>, body: (app: TestKinema & { dataDir: string }) => Promise<void>) =>
  withEngineOn(db.url, env, body);

async function run(app: TestKinema, seed: number) {
  const account = await app.account("FREE");
  const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: PROMPT, durationSeconds: 2, resolution: "R480P", seed } });
  const id = generateVideo.job.id as string;
  await waitFor(async () => ["SUCCEEDED", "FAILED", "BLOCKED"].includes((await row(id)).status), 60_000, "the job to end");
  const { job } = await account.client.data(`query($id: ID!) { job(id: $id) { status stage error { code message } video { url } } }`, { id });
  return { id, job, row: await row(id) };
}

async function row(id: string) {
  return (await pool.query(`SELECT status, stage, error_code, metadata, video FROM jobs WHERE id = $1`, [id])).rows[0];
}

/** The generation frames of (PROMPT, seed) at the CPU profile, made here the way the worker makes them. */
async function framesOf(seed: number) {
  const model = await LoadedModel.load("models/kinema-tiny", "cpu", 1);
  try {
    const geometry = geometryFor({ resolution: "R480P", durationSeconds: 2, fps: 24 }, model.manifest, "cpu");
    const latent = await denoise({ model, prompt: PROMPT, seed, steps: 30, sampler: "flow-euler", guidance: model.manifest.sampler.guidanceScale, geometry, onStep: async () => {} });
    return await decodeToRawFrames(model, latent, geometry, join(dir, `frames-${seed}.rgb`));
  } finally {
    await model.release();
  }
}

describe("post-filter", () => {
  it("passes a clean clip and keeps an audit record of the hash gate and every sampled frame", () => withEngine({}, async (app) => {
    const { job, row: r } = await run(app, 31);
    expect(job.status).toBe("SUCCEEDED");
    const audit = r.metadata.postfilter;
    expect(audit.verdict).toBe("passed");
    expect(audit.hashGate.summary.frames).toBe(16);
    expect(audit.samples.map((s: { frame: number }) => s.frame)).toEqual(sampledFrames(16));
    expect(Object.keys(audit.samples[0].scores).sort()).toEqual(["likeness", "nsfw"]);
  }));

  it("blocks a clip with a frame in the CSAM hash bank, and keeps nothing of it", async () => {
    const frames = await framesOf(32);
    const [frame] = await readFrames(frames, [3]);
    const { hash, quality } = pdqHash(frame!, frames.width, frames.height);
    expect(quality).toBeGreaterThanOrEqual(50); // otherwise the gate would (rightly) skip it
    const bank = join(dir, "bank.txt");
    await writeFile(bank, `# test bank\n${hash},test-entry-1\n`);
    await withEngine({ KINEMA_HASH_BANK: bank }, async (app) => {
      const { id, job, row: r } = await run(app, 32);
      expect(job).toMatchObject({ status: "BLOCKED", stage: "POSTFILTER", error: { code: "CONTENT_BLOCKED" }, video: null });
      expect(job.error.message).not.toMatch(/csam|hash/i);
      expect(r.metadata.postfilter.category).toBe("csam");
      expect(r.metadata.postfilter.hashGate.matches[0]).toMatchObject({ frame: 3, label: "test-entry-1", distance: 0 });
      for (const key of [`videos/${id}.mp4`, `previews/${id}/5.png`, `previews/${id}/30.png`, `checkpoints/${id}/10.ckpt`]) {
        expect(await app.kinema.store.get(key), key).toBeNull();
      }
    });
  });

  it("blocks what the NSFW classifier flags: never signed, never stored, every sampled frame's scores kept", () =>
    withEngine({ KINEMA_NSFW_THRESHOLDS: '{"Porn":0,"Hentai":0,"Sexy":0}' }, async (app) => {
      const { id, job, row: r } = await run(app, 33);
      expect(job).toMatchObject({ status: "BLOCKED", stage: "POSTFILTER", error: { code: "CONTENT_BLOCKED" } });
      expect(r.metadata.postfilter.category).toBe("sexual");
      expect(r.metadata.provenance).toBeUndefined(); // SIGNING never ran
      expect(r.metadata.postfilter.samples.length).toBe(sampledFrames(16).length);
      expect(await app.kinema.store.get(`videos/${id}.mp4`)).toBeNull();
    }));
});
