// Embedded mode (PGlite, the API and one worker in one process) keeps answering while its worker runs
// long denoising steps: the steps hold the inference thread, not the event loop. A probe in its own
// thread (bench/lib/latency-probe.mjs, the one bench:inference-loop uses) times a trivial query while
// each step takes a second; with the step on the event loop, queries sent during a step would wait for
// its end (up to a second each).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import { ModelCache } from "../src/engine/models.js";
import { StepTimes } from "../src/engine/step-times.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import { denoiseStage } from "../workers/stages/denoise.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";

const STEP_DELAY_MS = 1_000;
const WINDOW_STEPS = 3;

let dataDir: string;
let app: TestKinema;
let models: ModelCache;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kinema-embedded-latency-"));
  const engine = { ...loadConfig({ KINEMA_MODEL_DIR: "models/kinema-tiny" }).engine, threads: 1 };
  models = new ModelCache(engine, { testStepDelayMs: STEP_DELAY_MS });
  // Only DENOISING (the steps are what this is about), built here: the production stage list would
  // load the post-filter's classifiers first, tens of seconds on a loaded machine.
  const stage = denoiseStage({ models, store: new DiskObjectStore(join(dataDir, "objects")), engine, stepTimes: new StepTimes() });
  app = await startTestKinema({ env: { KINEMA_DATA_DIR: dataDir }, workers: 1, stages: [stage] });
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await models?.release();
  await rm(dataDir, { recursive: true, force: true });
});

type Sample = { at: number; ms: number; ok: boolean };

describe("embedded mode during long denoising steps", () => {
  it("answers a trivial query within a generous bound while each step holds the inference thread for a second", async () => {
    expect(app.kinema.embedded).toBe(true);
    const account = await app.account("FREE");
    const probe = new Worker(new URL("../bench/lib/latency-probe.mjs", import.meta.url), { workerData: { url: app.url, key: account.key, everyMs: 25 } });
    try {
      const messages: ("ready" | Sample[])[] = [];
      const next = () => new Promise<"ready" | Sample[]>((resolve, reject) => {
        if (messages.length) return resolve(messages.shift()!);
        probe.once("message", resolve).once("error", reject);
      });
      expect(await next()).toBe("ready");

      const stepEnds = new Map<number, number>();
      let jobId = "";
      const windowEnd = new Promise<void>((resolve) => {
        const unsubscribe = app.kinema.bus.subscribe((event) => {
          if (event.kind !== "job" || event.jobId !== jobId || event.stepsCompleted === undefined || stepEnds.has(event.stepsCompleted)) return;
          stepEnds.set(event.stepsCompleted, performance.timeOrigin + performance.now());
          if (event.stepsCompleted === 1 + WINDOW_STEPS) { unsubscribe(); resolve(); }
        });
      });
      const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a slow red circle", durationSeconds: 1, resolution: "R480P" } });
      jobId = generateVideo.job.id;
      await windowEnd;
      probe.postMessage({ until: stepEnds.get(1 + WINDOW_STEPS)! });
      const samples = (await next()) as Sample[];
      await account.client.data(`mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`, { id: jobId });

      const from = stepEnds.get(1)!, to = stepEnds.get(1 + WINDOW_STEPS)!;
      expect((to - from) / WINDOW_STEPS).toBeGreaterThanOrEqual(STEP_DELAY_MS); // the steps were long
      const window = samples.filter((s) => s.at >= from && s.at <= to);
      const ms = window.map((s) => s.ms).sort((a, b) => a - b);
      expect(window.every((s) => s.ok)).toBe(true);
      expect(window.length).toBeGreaterThanOrEqual(20); // the API kept answering through every step
      const p99 = ms[Math.min(ms.length - 1, Math.ceil(0.99 * ms.length) - 1)]!;
      // The goal is 100 ms (bench:inference-loop); a loaded test machine gets room. No query waited
      // anywhere near a step: with the step on the event loop they would wait for its end.
      expect(p99).toBeLessThan(400);
      expect(ms.at(-1)!).toBeLessThan(STEP_DELAY_MS * 0.8);
    } finally {
      await probe.terminate();
    }
  }, 120_000);
});
