// Long denoising steps in real worker processes running the production pipeline. A step longer than the
// whole lease: the heartbeat keeps the lease (inference runs in its own thread, off the event loop), so
// no sweeper takes the job and it runs once. And the drain: SIGTERM mid-step, the worker finishes that
// step, checkpoints it, hands the job back and exits; another worker resumes at exactly that step and
// delivers the frames an uninterrupted run makes.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { decodeToRawFrames } from "../src/engine/decode.js";
import { denoise } from "../src/engine/denoise.js";
import { geometryFor } from "../src/engine/geometry.js";
import { LoadedModel } from "../src/engine/runtime.js";
import { waitFor } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { engineWorkerEnv, killAll, spawnWorker, type WorkerProcess } from "./helpers/processes.js";

const PROMPT = "a white circle bouncing";

let db: TestDatabase;
let pool: pg.Pool;
let dataDir: string;
let accountId: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  dataDir = await mkdtemp(join(tmpdir(), "kinema-long-steps-"));
  accountId = (await pool.query(`INSERT INTO accounts (name, tier) VALUES ('long-steps', 'PLUS') RETURNING id`)).rows[0].id;
});
afterEach(() => killAll(workers));
afterAll(async () => {
  await killAll(workers);
  await pool?.end();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A worker process with the production pipeline; `stepDelayMs` makes its device slow (test/fixtures/slow-inference.ts). */
function engineWorker(id: string, env: Record<string, string>, stepDelayMs?: number): WorkerProcess {
  const slow: Record<string, string> = stepDelayMs ? { KINEMA_STAGES_MODULE: "test/fixtures/slow-inference.ts", TEST_STEP_DELAY_MS: String(stepDelayMs) } : {};
  const w = spawnWorker(db.url, id, { ...engineWorkerEnv(dataDir), ...env, ...slow });
  workers.push(w);
  return w;
}

/** A queued job; `avoidWorker` will not claim it (for 30 s). */
async function insertJob(seed: number, steps: number, avoidWorker: string | null = null): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, avoid_worker)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', $2, 'R480P', 854, 480, 1, 24, $3, $4, 3, $5) RETURNING id`,
    [accountId, PROMPT, seed, steps, avoidWorker]);
  return rows[0].id;
}

async function row(id: string) {
  return (await pool.query(`SELECT status, stage, attempts, steps_completed, lease_owner, checkpoint, metadata, error_code,
    run_after <= now() AS runnable FROM jobs WHERE id = $1`, [id])).rows[0];
}

async function sigterm(w: WorkerProcess): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  w.child.kill("SIGTERM");
  const code = await w.exited;
  return { code, ms: Date.now() - sent };
}

/** The frames an uninterrupted run of this job makes, computed here with the worker's defaults. */
async function uninterruptedFrames(seed: number, steps: number): Promise<string> {
  const model = await LoadedModel.load("models/kinema-tiny", "cpu", 1);
  try {
    const geometry = geometryFor({ resolution: "R480P", durationSeconds: 1, fps: 24 }, model.manifest, "cpu");
    const { default: sampler, guidanceScale: guidance } = model.manifest.sampler;
    const latent = await denoise({ model, prompt: PROMPT, seed, steps, sampler, guidance, geometry, onStep: async () => {} });
    return (await decodeToRawFrames(model, latent, geometry, join(dataDir, `reference-${seed}.rgb`))).sha256;
  } finally {
    await model.release();
  }
}

describe("a denoising step longer than the lease", () => {
  it("keeps its lease through the step: no sweeper takes the job, and it runs once", async () => {
    // Each step holds the inference thread 3.5 s; the lease is 2 s, extended every 400 ms. The pipeline
    // ends after DENOISING: the post-filter's classifiers still run on the event loop (seconds, on a
    // first job), which a 2 s lease would not survive, and they are not what this test is about.
    const slow = engineWorker("slow", { KINEMA_LEASE_MS: "2000", KINEMA_HEARTBEAT_MS: "400", TEST_PIPELINE_UNTIL: "DENOISING", LOG_LEVEL: "info" }, 3_500);
    // A second worker sweeps expired leases every 200 ms and would take the job the moment it lapsed.
    const sweeper = engineWorker("sweeper", { KINEMA_SWEEP_MS: "200", LOG_LEVEL: "info" });
    await Promise.all([slow.metricsPort, sweeper.metricsPort]); // both up: the sweeper is sweeping
    const id = await insertJob(21, 3, "sweeper"); // the sweeper never claims it: only a sweep could move it
    await waitFor(async () => (await row(id)).status === "SUCCEEDED", 120_000, "the job to finish");
    const done = await row(id);
    expect(done).toMatchObject({ attempts: 1, error_code: null });
    expect(done.metadata.failures).toBeUndefined();
    expect(done.metadata.denoise).toMatchObject({ stepsExecuted: 3, resumedFromStep: 0 });
    for (const ms of done.metadata.denoise.stepMs) expect(ms).toBeGreaterThan(2_000); // each step outlived a whole lease
    expect((await Promise.all([sigterm(slow), sigterm(sweeper)])).map((r) => r.code)).toEqual([0, 0]);
  }, 240_000);
});

describe("drain on SIGTERM", () => {
  it("finishes the step in flight, checkpoints it, hands the job back; another worker resumes at that step with identical frames", async () => {
    const steps = 20;
    const id = await insertJob(22, steps);
    const reference = uninterruptedFrames(22, steps);
    // A long lease: only the hand-back, never the sweep, can free the job in time.
    // Row writes every 300 ms: the row's step count follows the steps closely enough to tell when the
    // leaver is past step 12 (at the default 5 s it jumps by ~10 steps).
    const env = { KINEMA_LEASE_MS: "120000", KINEMA_HEARTBEAT_MS: "1000", KINEMA_PROGRESS_ROW_MS: "300" };
    const leaver = engineWorker("leaver", env, 400);
    // Past the first regular checkpoint (10), so resuming from it instead would show.
    await waitFor(async () => (await row(id)).steps_completed >= 12, 120_000, "the leaver to pass step 12");
    const atSignal = (await row(id)).steps_completed as number;
    const { code, ms } = await sigterm(leaver);
    expect(code).toBe(0);
    // The drain budget: one step (400 ms here) + a checkpoint write + the release + closing down.
    expect(ms).toBeLessThan(10_000);

    const released = await row(id);
    expect(released).toMatchObject({ status: "QUEUED", stage: "QUEUED", lease_owner: null, runnable: true, attempts: 0 });
    const k = released.checkpoint.step as number;
    expect(k).toBeGreaterThan(atSignal); // the step in flight at the signal was finished and kept
    expect(k).toBeLessThan(steps);
    expect(k % 10).not.toBe(0); // not a regular (every 10 steps) checkpoint
    // Keys carry the lease's fencing token (src/storage/job-objects.ts): <token>-<step>.ckpt.
    const token = released.checkpoint.fencingToken as number;
    expect(released.checkpoint.key).toBe(`checkpoints/${id}/${token}-${k}.ckpt`);
    expect(await readdir(join(dataDir, "objects", "checkpoints", id))).toEqual(expect.arrayContaining([`${token}-10.ckpt`, `${token}-${k}.ckpt`]));

    const finisher = engineWorker("finisher", env);
    await waitFor(async () => (await row(id)).status === "SUCCEEDED", 120_000, "the finisher to finish");
    const done = await row(id);
    expect(done.attempts).toBe(1);
    expect(done.metadata.denoise).toMatchObject({ steps, resumedFromStep: k, stepsExecuted: steps - k });
    expect(done.metadata.decode.framesSha256).toBe(await reference);
    // Delivered: no checkpoint of the job is left, the drain's (off the 10-step grid) included. The runner
    // removes them right after the fenced completion, so a moment after the row says SUCCEEDED.
    const left = () => readdir(join(dataDir, "objects", "checkpoints", id)).catch(() => [] as string[]);
    await waitFor(async () => (await left()).length === 0, 15_000, "the job's checkpoints to be removed").catch(() => {});
    expect(await left()).toEqual([]);
    expect((await sigterm(finisher)).code).toBe(0);
  }, 240_000);
});
