// A checkpoint reference is verified before it is trusted (issue 22). The claim shows the reference's
// step at once; when the denoising stage then finds the object missing, or made by another model, the
// job restarts from step 0 under a new lease instead of re-running the early steps under the lease that
// promised step 8 (subscribers drop a lease's step events that go back: progress froze).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import { createPool } from "../src/db/pool.js";
import { encodeCheckpoint } from "../src/engine/checkpoint.js";
import { ModelCache } from "../src/engine/models.js";
import { StepTimes } from "../src/engine/step-times.js";
import type { JobEvent } from "../src/events/bus.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { createLogger } from "../src/log.js";
import { JobQueue } from "../src/queue/queue.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import { JobRun } from "../workers/runner.js";
import { denoiseStage } from "../workers/stages/denoise.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount } from "./helpers/ops.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let store: DiskObjectStore;
let models: ModelCache;
let accountId: string;
const config = loadConfig({ KINEMA_MODEL_DIR: "models/kinema-tiny", KINEMA_CHECKPOINT_EVERY: "4", KINEMA_PREVIEW_EVERY: "4", KINEMA_ORT_THREADS: "1" });
const log = createLogger("checkpoint-ref-test");
const bus = new MemoryEventBus();
const events: JobEvent[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  dir = await mkdtemp(join(tmpdir(), "kinema-ckref-"));
  store = new DiskObjectStore(join(dir, "objects"));
  models = new ModelCache(config.engine);
  accountId = await insertAccount(pool, "PLUS");
  bus.subscribe((e) => { if (e.kind === "job") events.push(e); });
});
afterAll(async () => {
  await models?.release();
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const queue = () => new JobQueue(pool, bus, { leaseMs: 60_000, heartbeatMs: 30_000, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20 });

async function jobWithReference(key: string): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, steps_completed, checkpoint)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'a green circle', 'R480P', 854, 480, 1, 24, 5, 12, 3, 9, $2) RETURNING id`,
    [accountId, JSON.stringify({ key, step: 8, fencingToken: 1 })]);
  return rows[0].id;
}

/** Every lease's step events never go below the step its claim showed, and the job ends fully computed. */
async function runUntilDone(id: string): Promise<void> {
  const q = queue();
  for (let run = 0; run < 3; run++) {
    const job = (await q.claim("w-ref", "DENOISING"))!;
    expect(job.id).toBe(id);
    const outcome = await new JobRun(job, { queue: q, stages: [denoiseStage({ models, store, engine: config.engine, stepTimes: new StepTimes() })], heartbeatMs: 30_000, log, store }).run();
    const steps = events.filter((e) => e.jobId === id && e.fencingToken === job.fencingToken && e.stepsCompleted !== undefined).map((e) => e.stepsCompleted!);
    expect(Math.min(job.stepsCompleted + 1, ...steps), `lease ${job.fencingToken} claimed at step ${job.stepsCompleted}`).toBeGreaterThan(job.stepsCompleted);
    if (outcome === "succeeded") return;
    expect(outcome).toBe("restarted");
  }
  throw new Error("the job did not finish in three runs");
}

describe("a checkpoint reference is verified before it is trusted", () => {
  it("missing object: the job restarts from step 0 under a new lease; no lease's progress goes back", async () => {
    const id = await jobWithReference(`checkpoints/00000000-0000-0000-0000-000000000000/1-8.ckpt`);
    await runUntilDone(id);
    const { rows: [r] } = await pool.query(`SELECT status, steps_completed, attempts, metadata FROM jobs WHERE id = $1`, [id]);
    expect(r).toMatchObject({ status: "SUCCEEDED", steps_completed: 12, attempts: 1 });
    expect(r.metadata.denoise).toMatchObject({ resumedFromStep: 0, stepsExecuted: 12 });
    expect(r.metadata.discardedCheckpoint).toMatchObject({ step: 8, reason: "missing" });
  });

  it("a checkpoint of another model: the same", async () => {
    const key = `checkpoints/00000000-0000-0000-0000-000000000001/1-8.ckpt`;
    await store.put(key, encodeCheckpoint({
      step: 8, totalSteps: 12, sampler: "flow-euler", guidance: 4, modelHash: "another-model", shape: [1, 1, 1, 1],
      rng: [1, 2, 3, 4], latent: new Float32Array(1),
    }), "application/octet-stream");
    const id = await jobWithReference(key);
    await runUntilDone(id);
    const { rows: [r] } = await pool.query(`SELECT status, metadata FROM jobs WHERE id = $1`, [id]);
    expect(r.status).toBe("SUCCEEDED");
    expect(r.metadata.denoise.resumedFromStep).toBe(0);
    expect(r.metadata.discardedCheckpoint.reason).toMatch(/another|unreadable/);
  });
});
