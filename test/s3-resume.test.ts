// Checkpoints and resume on the S3 store (a real S3-compatible server, s3rver): a worker process running
// the production pipeline writes its checkpoints to the bucket and is killed (SIGKILL) three steps after
// its checkpoint at step 10; a worker in another process, with a data directory of its own (so the
// bucket is the only place the checkpoint can come from), resumes from step 10, computes only the 40
// steps after it, and decodes the same frames as an uninterrupted run; the delivered job's checkpoints
// are then removed from the bucket.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { decodeCheckpoint } from "../src/engine/checkpoint.js";
import { S3ObjectStore } from "../src/storage/s3.js";
import { checkpointKey } from "../src/storage/job-objects.js";
import { deliveredObjectKeys, settledJobObjectKeys } from "./helpers/objects.js";
import { waitFor } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startEngineKinema } from "./helpers/engine.js";
import { insertAccount } from "./helpers/ops.js";
import { engineWorkerEnv, killAll, spawnWorker, type WorkerProcess } from "./helpers/processes.js";
import { startS3, type TestS3 } from "./helpers/s3.js";

let db: TestDatabase;
let pool: pg.Pool;
let s3: TestS3;
let bucket: S3ObjectStore;
let dirs: string;
let accountId: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  s3 = await startS3("kinema-resume");
  bucket = new S3ObjectStore(s3.options);
  dirs = await mkdtemp(join(tmpdir(), "kinema-s3-resume-"));
  accountId = await insertAccount(pool, "PLUS");
});
afterAll(async () => {
  await killAll(workers);
  await pool?.end();
  await db?.drop();
  await s3?.stop();
  await rm(dirs, { recursive: true, force: true });
});

const s3Env = () => ({
  KINEMA_STORE: "s3", KINEMA_S3_ENDPOINT: s3.endpoint, KINEMA_S3_BUCKET: s3.bucket, KINEMA_S3_FORCE_PATH_STYLE: "true",
  KINEMA_S3_ACCESS_KEY_ID: "S3RVER", KINEMA_S3_SECRET_ACCESS_KEY: "S3RVER", KINEMA_CHECKPOINT_EVERY: "10",
});

async function insertJob(seed: number): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'an orange circle moving right', 'R480P', 854, 480, 1, 24, $2, 50, 3) RETURNING id`,
    [accountId, seed]);
  return rows[0].id;
}

async function row(id: string) {
  return (await pool.query(`SELECT status, steps_completed, attempts, checkpoint, metadata FROM jobs WHERE id = $1`, [id])).rows[0];
}

async function engineWorker(id: string, env: Record<string, string>): Promise<WorkerProcess & { dataDir: string }> {
  const dataDir = await mkdtemp(join(dirs, `${id}-`));
  const w = spawnWorker(db.url, id, { ...engineWorkerEnv(dataDir), ...s3Env(), ...env });
  workers.push(w);
  return { ...w, dataDir };
}

describe("checkpoints and resume on the S3 store", () => {
  it("resumes a killed job from its checkpoint read back from the bucket, and decodes the same frames as an uninterrupted run", async () => {
    // The uninterrupted run, same seed and request, on the same bucket.
    const reference = await insertJob(31);
    const app = await startEngineKinema(db.url, { ...s3Env(), KINEMA_ALARM_INTERVAL_MS: "0" });
    try {
      await waitFor(async () => (await row(reference)).status === "SUCCEEDED", 120_000, "the uninterrupted run");
    } finally {
      await app.stop();
    }
    const ref = await row(reference);
    expect(ref.metadata.denoise).toMatchObject({ resumedFromStep: 0, stepsExecuted: 50 });
    expect(ref.metadata.decode.framesSha256).toMatch(/^[0-9a-f]{64}$/);

    const id = await insertJob(31);
    const victim = await engineWorker("victim", { KINEMA_STAGES_MODULE: "test/fixtures/stalling-pipeline.ts", TEST_STALL_AT_STEP: "13" });
    const atKill = await waitFor(async () => {
      const r = await row(id);
      return r.steps_completed === 13 ? r : null;
    }, 120_000, "the victim to reach step 13");
    expect(atKill.checkpoint).toMatchObject({ key: checkpointKey(id, atKill.checkpoint.fencingToken, 10), step: 10 });
    // The checkpoint is in the bucket, and only there.
    const stored = await bucket.get(atKill.checkpoint.key);
    expect(stored).not.toBeNull();
    expect(decodeCheckpoint(stored!)).toMatchObject({ step: 10, totalSteps: 50 });
    expect(await readdir(victim.dataDir)).not.toContain("objects");
    victim.child.kill("SIGKILL");
    await victim.exited;

    // The rescuer's own lease is long: a heartbeat starved on a busy machine must not hand the job to a
    // third run, which would resume from a later checkpoint and hide the one this test is about.
    const rescuer = await engineWorker("rescuer", { KINEMA_LEASE_MS: "60000", KINEMA_HEARTBEAT_MS: "5000" });
    await waitFor(async () => (await row(id)).status === "SUCCEEDED", 120_000, "the rescuer to finish");
    rescuer.child.kill("SIGTERM");
    expect(await rescuer.exited).toBe(0);
    const done = await row(id);
    // Resumed from the bucket's step-10 checkpoint: 3 steps recomputed (fewer than KINEMA_CHECKPOINT_EVERY), 40 run.
    expect(done.metadata.denoise).toMatchObject({ steps: 50, resumedFromStep: 10, stepsExecuted: 40 });
    expect(done.attempts).toBe(2);
    expect(done.metadata.decode.framesSha256).toBe(ref.metadata.decode.framesSha256);
    expect(done.metadata.decode.bytes).toBe(ref.metadata.decode.bytes);
    expect(await readdir(rescuer.dataDir)).not.toContain("objects");
    const { rows: [{ key, video }] } = await pool.query(`SELECT video->>'key' AS key, video FROM jobs WHERE id = $1`, [id]);
    expect(await bucket.get(key)).not.toBeNull();
    // A delivered job keeps nothing but its clip, poster and spritesheet: no checkpoint or preview of either
    // run, listed from the bucket.
    const delivered = deliveredObjectKeys(video);
    expect(delivered).toHaveLength(3);
    expect(await settledJobObjectKeys(bucket, id, delivered)).toEqual(delivered);
  }, 360_000);
});
