// The NCII co-occurrence gate (src/safety/scan/postfilter.ts) on real frames, real classifiers (nsfwjs,
// face-api) and the real scan code: a clip whose sampled frame has a face and an intimacy score at or
// above the gate's threshold is blocked as "ncii" although no classifier flags it on its own; the same
// frame with its faces painted over (scoring higher) passes; the tightening factor reaches the gate. Then
// once through the worker's pipeline (KINEMA_NCII_THRESHOLD), where the block is the job's.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { InMemoryHashBank } from "../src/safety/banks/index.js";
import { defaultClassifiers, DEFAULT_NSFW_THRESHOLDS, intimacyScore, type Frame } from "../src/safety/classifiers/index.js";
import { DEFAULT_NCII_THRESHOLD, scanClip, type ClipScan } from "../src/safety/scan/index.js";
import { productionStages } from "../workers/stages/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor } from "./helpers/app.js";
import { withEngine } from "./helpers/engine.js";
import { faceFrame, facelessFrame } from "./helpers/face-frames.js";
import { GENERATE } from "./helpers/graphql.js";
import { spliceStage } from "./helpers/splice-stage.js";

const W = 256, H = 144;
/** between the two frames' intimacy scores' common floor (0.29 and 0.39 measured) and the plain block (0.7) */
const TEST_NCII = 0.2;

let dir: string;
let face: Frame, faceless: Frame, grey: Frame;
const bank = new InMemoryHashBank([]);
const classifiers = defaultClassifiers(); // the shipped (empty) gallery: faces are counted by the detection pass

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-ncii-"));
  [face, faceless] = await Promise.all([faceFrame(W, H), facelessFrame(W, H)]);
  grey = { rgb: new Uint8Array(W * H * 3).fill(90), width: W, height: H };
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** a 6-frame clip (sampled: 0 and 5): grey, grey, ..., `last` */
async function clip(name: string, last: Frame) {
  const path = join(dir, `${name}.rgb`);
  await writeFile(path, Buffer.concat([...Array.from({ length: 5 }, () => grey.rgb), last.rgb]));
  return { path, width: W, height: H, count: 6 };
}

const sample = (scan: ClipScan, frame: number) =>
  (scan.audit.samples as { frame: number; scores: { nsfw: Record<string, number> }; faces: number }[]).find((s) => s.frame === frame)!;

describe("NCII co-occurrence gate", () => {
  it("blocks a frame with a face and an intimacy score over the gate, which no classifier flags alone", async () => {
    const scan = await scanClip(await clip("face", face), { bank, classifiers, nciiThreshold: TEST_NCII });
    expect(scan.verdict).toBe("blocked");
    if (scan.verdict !== "blocked") return;
    expect(scan.category).toBe("ncii");
    expect(scan.audit.flagged).toEqual([{ frame: 5, category: "ncii" }]); // the NSFW classifier flagged nothing
    const s = sample(scan, 5);
    expect(s.faces).toBeGreaterThanOrEqual(3); // measured 5
    expect(intimacyScore(s.scores.nsfw)).toBeGreaterThanOrEqual(TEST_NCII);
    expect(s.scores.nsfw.Porn).toBeLessThan(DEFAULT_NSFW_THRESHOLDS.Porn);
    expect(sample(scan, 0).faces).toBe(0);
  }, 120_000);

  it("passes the same frame with its faces painted over, though it scores higher", async () => {
    const scan = await scanClip(await clip("faceless", faceless), { bank, classifiers, nciiThreshold: TEST_NCII });
    expect(scan.verdict).toBe("passed");
    if (scan.verdict !== "passed") return;
    expect(scan.faces).toEqual({ detected: false, frames: [], max: 0 });
    const withFace = await scanClip(await clip("face-again", face), { bank, classifiers, nciiThreshold: 1 });
    // the control really is the higher-scoring frame: the face, not the score, made the difference
    expect(intimacyScore(sample(scan, 5).scores.nsfw)).toBeGreaterThan(intimacyScore(sample(withFace, 5).scores.nsfw));
    expect(intimacyScore(sample(scan, 5).scores.nsfw)).toBeGreaterThanOrEqual(TEST_NCII);
  }, 120_000);

  it("passes the face frame at the default gate and records the faces; the tightening factor brings the gate down to it", async () => {
    const passed = await scanClip(await clip("face-default", face), { bank, classifiers });
    expect(passed.verdict).toBe("passed");
    if (passed.verdict !== "passed") return;
    expect(passed.faces).toMatchObject({ detected: true, frames: [5] });
    expect(passed.audit.nciiThreshold).toBe(DEFAULT_NCII_THRESHOLD);
    // 0.5 x 0.4 = 0.2: the face frame's 0.29 is over it
    const tightened = await scanClip(await clip("face-tight", face), { bank, classifiers, factor: () => 0.4 });
    expect(tightened).toMatchObject({ verdict: "blocked", category: "ncii", audit: { thresholdFactor: 0.4 } });
  }, 120_000);

  it("blocks in the worker's pipeline: the job ends BLOCKED in POSTFILTER with category ncii, nothing delivered", async () => {
    const db: TestDatabase = await createTestDatabase();
    const pool: pg.Pool = createPool(db.url, 2);
    try {
      await withEngine(db.url, { KINEMA_NCII_THRESHOLD: String(TEST_NCII) }, async (app) => {
        const account = await app.account("FREE");
        const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a grey circle moving right", durationSeconds: 2, resolution: "R480P", seed: 41 } });
        const id = generateVideo.job.id as string;
        const row = await waitFor(async () => {
          const r = (await pool.query(`SELECT status, stage, metadata, video FROM jobs WHERE id = $1`, [id])).rows[0];
          return ["SUCCEEDED", "FAILED", "BLOCKED"].includes(r.status) ? r : null;
        }, 120_000, "the job to end");
        expect(row).toMatchObject({ status: "BLOCKED", stage: "POSTFILTER", video: null });
        expect(row.metadata.postfilter.category).toBe("ncii");
        expect(row.metadata.postfilter.flagged).toEqual([{ frame: 5, category: "ncii" }]);
      }, (deps) => {
        const stages = productionStages(deps);
        const decoding = stages.findIndex((s) => s.stage === "DECODING");
        return [...stages.slice(0, decoding + 1), spliceStage(async (_job, width, height) => faceFrame(width, height), 5), ...stages.slice(decoding + 1)];
      });
    } finally {
      await pool.end();
      await db.drop();
    }
  }, 240_000);
});
