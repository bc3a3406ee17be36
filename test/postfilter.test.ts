// The post-filter in the real pipeline: a clean clip passes with an audit record of every sampled
// frame; a clip with a frame in the CSAM hash bank ends BLOCKED in POSTFILTER and nothing of it is kept;
// a clip the NSFW classifier flags (thresholds lowered to 0 here) ends BLOCKED and is never signed or stored.
// At the shipped thresholds, on the classifiers' real scores: a clip holding the NSFW probe frame
// (test/fixtures/nsfw-probe) is blocked, and a clip holding the probe's starting point instead is delivered;
// a clip holding a photo of people in the likeness gallery is blocked. The frames go in through a stage
// after DECODING (test/helpers/splice-stage.ts), as if the model had generated them.
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
import { DEFAULT_LIKENESS_THRESHOLD, DEFAULT_NSFW_THRESHOLDS, describeFaces, formatGalleryLine } from "../src/safety/classifiers/index.js";
import { productionStages } from "../workers/stages/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor, type TestKinema } from "./helpers/app.js";
import { withEngine as withEngineOn, type StagesOf } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";
import { deliveredObjectKeys, settledJobObjectKeys } from "./helpers/objects.js";
import { facePhoto } from "./helpers/photos.js";
import { spliceStage, type FrameFor } from "./helpers/splice-stage.js";
import { loadProbeGrid, renderGrid, startGrid } from "./fixtures/nsfw-probe/probe.js";

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

const withEngine = (env: Record<string, string>, body: (app: TestKinema & { dataDir: string }) => Promise<void>, stages?: StagesOf) =>
  withEngineOn(db.url, env, body, stages);

/** a sampled frame (sampledFrames(16) is 0, 5, 10, 15) */
const SPLICED = 5;
/** the production pipeline with the test's frame put into the clip right after DECODING */
const splicing = (frameFor: FrameFor): StagesOf => (deps) => {
  const stages = productionStages(deps);
  const decoding = stages.findIndex((s) => s.stage === "DECODING");
  return [...stages.slice(0, decoding + 1), spliceStage(frameFor, SPLICED), ...stages.slice(decoding + 1)];
};

interface Sample { frame: number; scores: Record<string, Record<string, number>> }
const sampleAt = (postfilter: { samples: Sample[] }, frame: number) => postfilter.samples.find((s) => s.frame === frame)!;

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
      expect(await settledJobObjectKeys(app.kinema.store, id, [])).toEqual([]);
    });
  });

  it("blocks a clip holding the NSFW probe on its real score at the shipped thresholds, and delivers one holding the probe's benign starting point", async () => {
    expect(process.env.KINEMA_NSFW_THRESHOLDS).toBeUndefined(); // the defaults, not a test's override
    const probe = await loadProbeGrid();
    // seed 34: the probe frame; seed 35: the probe's starting point (a plain skin-tone gradient)
    const frameFor: FrameFor = async (job, width, height) => renderGrid(job.seed === 34 ? probe : startGrid(), width, height);
    await withEngine({}, async (app) => {
      const blocked = await run(app, 34);
      expect(blocked.job).toMatchObject({ status: "BLOCKED", stage: "POSTFILTER", error: { code: "CONTENT_BLOCKED" }, video: null });
      const audit = blocked.row.metadata.postfilter;
      expect(audit.category).toBe("sexual");
      expect(audit.flagged).toEqual([{ frame: SPLICED, category: "sexual" }]); // that frame only: the generated ones pass
      expect(sampleAt(audit, SPLICED).scores.nsfw!.Porn).toBeGreaterThanOrEqual(DEFAULT_NSFW_THRESHOLDS.Porn);
      expect(sampleAt(audit, SPLICED).scores.nsfw!.Porn).toBeGreaterThan(0.95); // measured 0.98
      expect(blocked.row.metadata.provenance).toBeUndefined();
      expect(await settledJobObjectKeys(app.kinema.store, blocked.id, [])).toEqual([]); // nothing of a blocked clip is kept

      const benign = await run(app, 35);
      expect(benign.job.status).toBe("SUCCEEDED");
      expect(benign.row.metadata.spliced).toEqual({ frame: SPLICED }); // the control went through the same splice
      expect(benign.row.metadata.postfilter.verdict).toBe("passed");
      expect(sampleAt(benign.row.metadata.postfilter, SPLICED).scores.nsfw!.Porn).toBeLessThan(0.01); // measured 0.0001
      const delivered = deliveredObjectKeys(benign.row.video); // the clip, its poster and spritesheet
      expect(delivered).toHaveLength(3);
      expect(await settledJobObjectKeys(app.kinema.store, benign.id, delivered)).toEqual(delivered);
    }, splicing(frameFor));
  });

  it("blocks a clip holding a photo of people in the likeness gallery, at the shipped match threshold", async () => {
    // The operator's gallery: the three people of face-api's sample3, enrolled from the full-size photo.
    const faces = await describeFaces(await facePhoto(3, 1920, 1280));
    expect(faces).toHaveLength(3);
    const gallery = join(dir, "likeness-gallery.jsonl");
    await writeFile(gallery, faces.map((face, i) => formatGalleryLine(`sample3-person${i}`, face.descriptor)).join("\n"));
    const frameFor: FrameFor = async (_job, width, height) => facePhoto(3, width, height);
    await withEngine({ KINEMA_LIKENESS_GALLERY: gallery }, async (app) => {
      const { id, job, row: r } = await run(app, 36);
      expect(job).toMatchObject({ status: "BLOCKED", stage: "POSTFILTER", error: { code: "CONTENT_BLOCKED" }, video: null });
      expect(r.metadata.postfilter.category).toBe("likeness");
      expect(r.metadata.postfilter.flagged).toEqual([{ frame: SPLICED, category: "likeness" }]);
      const likeness = sampleAt(r.metadata.postfilter, SPLICED).scores.likeness!;
      expect(likeness.faces).toBe(3);
      expect(likeness.minDistance).toBeLessThan(DEFAULT_LIKENESS_THRESHOLD - 0.15); // measured 0.28 in a 256x144 frame
      expect(await settledJobObjectKeys(app.kinema.store, id, [])).toEqual([]);
    }, splicing(frameFor));
  });

  it("blocks what the NSFW classifier flags: never signed, never stored, every sampled frame's scores kept", () =>
    withEngine({ KINEMA_NSFW_THRESHOLDS: '{"Porn":0,"Hentai":0,"Sexy":0}' }, async (app) => {
      const { id, job, row: r } = await run(app, 33);
      expect(job).toMatchObject({ status: "BLOCKED", stage: "POSTFILTER", error: { code: "CONTENT_BLOCKED" } });
      expect(r.metadata.postfilter.category).toBe("sexual");
      expect(r.metadata.provenance).toBeUndefined(); // SIGNING never ran
      expect(r.metadata.postfilter.samples.length).toBe(sampledFrames(16).length);
      expect(await settledJobObjectKeys(app.kinema.store, id, [])).toEqual([]);
    }));
});
