// The rolling re-scan (src/safety/rescan) on real PostgreSQL, a clip delivered by the real worker
// pipeline, the real object store, ffmpeg, PDQ and classifiers: a clip that passed when it was delivered
// is found once its frame's hash enters the bank, taken down through the TakeDown port (here an
// implementation that records the call and marks the row; src/app.ts wires src/removal's in its place)
// and raises KinemaRescanHits and a RESCAN safety incident; each clip is re-scanned at most once per
// day; a threshold tightened by the kill switch reaches a clip delivered before it; the sample is the
// documented deterministic draw at the configured rate (10% an hour by default).
// test/rescan-takedown-e2e.test.ts runs it with the real takedown, as src/app.ts wires it.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.js";
import { createPool } from "../src/db/pool.js";
import { createLogger } from "../src/log.js";
import { AlarmEvaluator } from "../src/ops/alarms.js";
import { registry } from "../src/ops/metrics.js";
import { InMemoryHashBank, type HashBank } from "../src/safety/banks/index.js";
import { defaultClassifiers } from "../src/safety/classifiers/index.js";
import { pdqHash } from "../src/safety/pdq/index.js";
import { createPostfilterSafety } from "../src/safety/setup.js";
import { Rescanner, type TakeDown } from "../src/safety/rescan/rescanner.js";
import { isSampled } from "../src/safety/rescan/sample.js";
import { claimClips, insertRun } from "../src/safety/rescan/store.js";
import { decodeVideoToRawFrames, readFrames } from "../src/safety/scan/index.js";
import type { ObjectStore } from "../src/storage/store.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor } from "./helpers/app.js";
import { withEngine } from "./helpers/engine.js";
import { facelessFrame } from "./helpers/face-frames.js";
import { GENERATE } from "./helpers/graphql.js";
import { spliceStage } from "./helpers/splice-stage.js";
import { productionStages } from "../workers/stages/index.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let delivered: { id: string; key: string } | null = null;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  dir = await mkdtemp(join(tmpdir(), "kinema-rescan-test-"));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const DAY_MS = 24 * 3600 * 1000;
const log = createLogger("test");

/** PDQ of frame 3 of the clip as delivered (what a hash list built from a copy of it would hold). */
async function deliveredFrameHash(store: ObjectStore, key: string): Promise<string> {
  const opened = await store.open(key);
  const mp4 = join(dir, "copy.mp4");
  await pipeline(opened!.stream, createWriteStream(mp4));
  const frames = await decodeVideoToRawFrames(mp4, join(dir, "copy.rgb"));
  const [frame] = await readFrames(frames, [3]);
  const { hash, quality } = pdqHash(frame!, frames.width, frames.height);
  expect(quality).toBeGreaterThanOrEqual(50); // else the gate would (rightly) skip it
  return hash;
}

describe("rolling re-scan", () => {
  it("finds a delivered clip once its hash is banked, takes it down through the port, raises the alarm, and scans a clip once a day", () =>
    withEngine(db.url, {}, async (app) => {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a grey circle moving right", durationSeconds: 2, resolution: "R480P", seed: 61 } });
      const id = generateVideo.job.id as string;
      const row = await waitFor(async () => {
        const r = (await pool.query(`SELECT status, video, metadata FROM jobs WHERE id = $1`, [id])).rows[0];
        return ["SUCCEEDED", "FAILED", "BLOCKED"].includes(r.status) ? r : null;
      }, 120_000, "the clip to be delivered");
      expect(row.status).toBe("SUCCEEDED");
      delivered = { id, key: row.video.key };

      let bank: HashBank = new InMemoryHashBank([]);
      const calls: Parameters<TakeDown>[0][] = [];
      const takeDown: TakeDown = async (input) => {
        calls.push(input);
        await pool.query(`UPDATE jobs SET metadata = metadata || jsonb_build_object('takenDownInTest', $2::text) WHERE id = $1`, [input.jobId, input.reason]);
      };
      const rescanner = new Rescanner({
        sql: pool, store: app.kinema.store, bank: async () => bank, classifiers: defaultClassifiers(), nciiThreshold: 0.5, switches: null, takeDown, log,
      }, { rate: 1, everyMs: 0 });
      const today = new Date();
      const tomorrow = new Date(today.getTime() + DAY_MS);

      // Today, against the bank of the day it was delivered: clean.
      const first = await rescanner.runOnce(today);
      expect(first).toMatchObject({ candidates: 1, sampled: 1, scanned: 1, hits: 0, errors: 0 });
      expect(calls).toEqual([]);

      // The clip's frame enters the bank; a second run today does not scan it again.
      bank = new InMemoryHashBank([{ hash: await deliveredFrameHash(app.kinema.store, delivered.key), label: "test-entry-rescan" }]);
      const again = await rescanner.runOnce(today);
      expect(again).toMatchObject({ candidates: 1, sampled: 1, scanned: 0, hits: 0 });
      expect(calls).toEqual([]);

      // Tomorrow's run (still within 24 hours of delivery) finds it.
      const hit = await rescanner.runOnce(tomorrow);
      expect(hit).toMatchObject({ sampled: 1, scanned: 1, hits: 1, errors: 0, bank: "in-memory bank (1 hashes)" });
      expect(hit.hitList).toEqual([{ jobId: id, category: "csam", detail: expect.stringContaining('hash bank match "test-entry-rescan"'), takenDown: true }]);
      expect(calls).toEqual([{ jobId: id, reason: "Re-scan found csam content after delivery.", actor: { kind: "rescan", detail: expect.stringMatching(/^hash bank match "test-entry-rescan" at frame \d+ \(distance \d+/) } }]);
      expect((await pool.query(`SELECT metadata->>'takenDownInTest' AS marked FROM jobs WHERE id = $1`, [id])).rows[0].marked).toBe("Re-scan found csam content after delivery.");

      const checks = (await pool.query(`SELECT day::text, outcome, category, detail->'takenDown' AS taken FROM rescan_checks WHERE job_id = $1 ORDER BY day`, [id])).rows;
      expect(checks).toEqual([
        { day: today.toISOString().slice(0, 10), outcome: "clean", category: null, taken: null },
        { day: tomorrow.toISOString().slice(0, 10), outcome: "hit", category: "csam", taken: true },
      ]);
      const runs = (await pool.query(`SELECT candidates, sampled, scanned, hits, errors, finished_at IS NOT NULL AS finished FROM rescan_runs ORDER BY id`)).rows;
      expect(runs).toEqual([
        { candidates: 1, sampled: 1, scanned: 1, hits: 0, errors: 0, finished: true },
        { candidates: 1, sampled: 1, scanned: 0, hits: 0, errors: 0, finished: true },
        { candidates: 1, sampled: 1, scanned: 1, hits: 1, errors: 0, finished: true },
      ]);

      // A safety incident for the review: a file bank's entry has no id, so it is named by its label.
      expect((await pool.query(`SELECT source, pattern, category, jobs_affected FROM safety_incidents`)).rows).toEqual([
        { source: "RESCAN", pattern: "bank:label:test-entry-rescan", category: "csam", jobs_affected: 1 }]);

      const alarms = await new AlarmEvaluator(pool, { intervalMs: 0, windowSeconds: 300 }, log).evaluate();
      expect(alarms.find((a) => a.name === "KinemaRescanHits")).toMatchObject({ state: "FIRING", value: 1 });
      const metrics = await registry.getMetricsAsJSON();
      const hits = metrics.find((m) => m.name === "kinema_rescan_hits_total")!;
      expect(hits.values).toContainEqual(expect.objectContaining({ labels: { category: "csam" }, value: 1 }));
      const clips = metrics.find((m) => m.name === "kinema_rescan_clips_total")!;
      expect(clips.values).toEqual(expect.arrayContaining([
        expect.objectContaining({ labels: { outcome: "clean" }, value: 1 }), expect.objectContaining({ labels: { outcome: "hit" }, value: 1 })]));
    }), 300_000);

  it("reaches a clip delivered before a threshold was tightened: the kill switch's factor applies to the re-scan", async () => {
    // A database of its own: the other tests count the window's clips.
    const own = await createTestDatabase();
    const ownPool = createPool(own.url, 2);
    try {
      await withEngine(own.url, {}, async (app) => {
        const account = await app.account("FREE");
        const admin = await app.account("FREE", "ADMIN");
        // Model frame 5 is a faceless frame the NSFW classifier scores 0.39 Porn in the worker (passes at
        // 0.7). The re-scan judges the delivered file: 24 fps, so that frame is frame 15, and after H.264
        // and the resize it scores ~0.25 Porn; a factor of 0.25 (threshold 0.175) catches it.
        const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a grey circle moving right", durationSeconds: 2, resolution: "R480P", seed: 53 } });
        const id = generateVideo.job.id as string;
        const row = await waitFor(async () => {
          const r = (await ownPool.query(`SELECT status FROM jobs WHERE id = $1`, [id])).rows[0];
          return ["SUCCEEDED", "FAILED", "BLOCKED"].includes(r.status) ? r : null;
        }, 120_000, "the clip to be delivered");
        expect(row.status).toBe("SUCCEEDED");
        const calls: Parameters<TakeDown>[0][] = [];
        const switches = app.kinema.switches; // the process's own store, as src/app.ts hands the re-scan
        // The classifiers as src/app.ts builds the re-scan's: their thresholds follow the switches.
        const safety = await createPostfilterSafety(app.config, log, switches);
        const rescanner = new Rescanner({
          sql: ownPool, store: app.kinema.store, bank: async () => new InMemoryHashBank([]), classifiers: safety.classifiers, nciiThreshold: safety.nciiThreshold,
          switches, takeDown: async (input) => { calls.push(input); }, log,
        }, { rate: 1, everyMs: 0 });
        const before = await rescanner.runOnce(new Date());
        expect(before).toMatchObject({ scanned: 1, hits: 0 });
        await switches.update({ thresholdFactor: 0.25 }, { reason: "tighten after an incident", actor: `account:${admin.id}`, account: { id: admin.id, role: "ADMIN" } });
        const after = await rescanner.runOnce(new Date(Date.now() + DAY_MS));
        expect(after.hitList).toEqual([{ jobId: id, category: "sexual", detail: expect.stringMatching(/^sexual at frame 15 /), takenDown: true }]);
        expect(calls.filter((c) => c.jobId === id)).toEqual([{ jobId: id, reason: "Re-scan found sexual content after delivery.", actor: { kind: "rescan", detail: expect.any(String) } }]);
        expect((await ownPool.query(`SELECT detail->>'thresholdFactor' AS factor FROM rescan_checks WHERE job_id = $1 AND outcome = 'hit'`, [id])).rows).toEqual([{ factor: "0.25" }]);
      }, (deps) => {
        const stages = productionStages(deps);
        const decoding = stages.findIndex((s) => s.stage === "DECODING");
        return [...stages.slice(0, decoding + 1), spliceStage(async (_job, width, height) => facelessFrame(width, height), 5), ...stages.slice(decoding + 1)];
      });
    } finally {
      await ownPool.end();
      await own.drop();
    }
  }, 300_000);

  it("re-scans 10% of the day's clips every hour unless configured otherwise, and refuses a rate outside 0 to 1", () => {
    expect(loadConfig({}).rescan).toEqual({ rate: 0.1, intervalMs: 3_600_000 });
    expect(loadConfig({ KINEMA_RESCAN_RATE: "1", KINEMA_RESCAN_INTERVAL_MS: "0" }).rescan).toEqual({ rate: 1, intervalMs: 0 });
    expect(() => loadConfig({ KINEMA_RESCAN_RATE: "1.5" })).toThrow(ConfigError);
    const deps = { sql: pool, store: null as unknown as ObjectStore, bank: async () => new InMemoryHashBank([]), classifiers: [], nciiThreshold: 0.5, switches: null, takeDown: async () => {}, log };
    expect(() => new Rescanner(deps, { rate: -0.1, everyMs: 0 })).toThrow(RangeError);
  });

  it("samples the window's clips at the rate by the documented draw, the same set all day, a new one the next day, never a clip twice a day", async () => {
    expect(delivered).not.toBeNull();
    const template = delivered!;
    // 2,000 delivered clips in the window and 20 outside it (finished 25 hours ago)
    await pool.query(
      `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, video, finished_at)
       SELECT account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts,
         jsonb_build_object('key', 'videos/synthetic/' || g || '.mp4'), CASE WHEN g <= 20 THEN now() - interval '25 hours' ELSE now() - g * interval '1 second' END
       FROM jobs, generate_series(1, 2020) g WHERE id = $1`, [template.id]);
    const inWindow = (await pool.query(`SELECT id FROM jobs WHERE status = 'SUCCEEDED' AND finished_at >= now() - interval '24 hours'`)).rows.map((r) => r.id as string);
    expect(inWindow).toHaveLength(2001);

    const claim = async (day: string, rate: number) => claimClips(pool, await insertRun(pool, rate, 86_400), day, rate, 86_400);
    const expected = (day: string, rate: number) => inWindow.filter((id) => isSampled(id, day, rate)).sort();

    const first = await claim("2030-01-01", 0.1);
    expect(first.candidates).toBe(2001);
    // 10% of 2,001 is 200 (binomial sd 13): within 3.8 sd
    expect(first.sampled).toBeGreaterThanOrEqual(150);
    expect(first.sampled).toBeLessThanOrEqual(250);
    expect(first.claimed.map((c) => c.jobId).sort()).toEqual(expected("2030-01-01", 0.1)); // SQL and JS draw agree
    expect(first.claimed.every((c) => c.key.startsWith("videos/"))).toBe(true);

    const sameDay = await claim("2030-01-01", 0.1);
    expect(sameDay).toMatchObject({ sampled: first.sampled, claimed: [] }); // once per day

    const nextDay = await claim("2030-01-02", 0.1);
    const nextIds = nextDay.claimed.map((c) => c.jobId).sort();
    expect(nextIds).toEqual(expected("2030-01-02", 0.1));
    const overlap = nextIds.filter((id) => first.claimed.some((c) => c.jobId === id)).length;
    expect(overlap).toBeLessThan(nextIds.length / 2); // independent draws: ~10% overlap, not the same set

    expect((await claim("2030-01-03", 0)).sampled).toBe(0);
    expect((await claim("2030-01-04", 1)).claimed).toHaveLength(2001);
  }, 120_000);
});
