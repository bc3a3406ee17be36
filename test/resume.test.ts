// Crash recovery of the real pipeline in worker processes: a worker killed with SIGKILL between
// checkpoints; another resumes from the last checkpoint, recomputes at most 10 steps, and delivers the
// same video, bit for bit, as an uninterrupted run. And non-finite latents: NAN_DETECTED, retried once
// on another worker, then FAILED.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { main as buildModel } from "../model/build.js";
import { verifyFile } from "../src/provenance/verify.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import { boxPayload } from "./helpers/mp4.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor } from "./helpers/app.js";
import { engineWorkerEnv, killAll, spawnWorker, type WorkerProcess } from "./helpers/processes.js";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

let db: TestDatabase;
let pool: pg.Pool;
let dataDir: string;
let accountId: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  dataDir = await mkdtemp(join(tmpdir(), "kinema-resume-"));
  accountId = (await pool.query(`INSERT INTO accounts (name, tier) VALUES ('resume', 'PLUS') RETURNING id`)).rows[0].id;
});
// A worker a failed test left behind would claim the next test's job.
const killWorkers = () => killAll(workers);
afterEach(killWorkers);
afterAll(async () => {
  await killWorkers();
  await pool?.end();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * The production pipeline in a worker process: no stages module, a shared object store. The row takes
 * the step count every 200 ms, not every 5 s: the victim is killed between its first and second
 * checkpoints, a window of 10 steps that a fast machine runs in less than 5 s.
 */
function engineWorker(id: string, env: Record<string, string> = {}): WorkerProcess {
  const w = spawnWorker(db.url, id, { ...engineWorkerEnv(dataDir), KINEMA_PROGRESS_ROW_MS: "200", ...env });
  workers.push(w);
  return w;
}

async function insertJob(seed: number, durationSeconds: number): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'a white circle bouncing', 'R480P', 854, 480, $2, 24, $3, 50, 3) RETURNING id`,
    [accountId, durationSeconds, seed]);
  return rows[0].id;
}

async function row(id: string) {
  return (await pool.query(`SELECT status, steps_completed, attempts, checkpoint, metadata, error_code FROM jobs WHERE id = $1`, [id])).rows[0];
}

async function stop(w: WorkerProcess): Promise<void> {
  w.child.kill("SIGTERM");
  expect(await w.exited).toBe(0);
}

describe("crash recovery", () => {
  it("resumes a SIGKILLed job from its last checkpoint and delivers the identical video", async () => {
    const reference = await insertJob(11, 10);
    const first = engineWorker("reference");
    // waits, not limits: a 10-second clip at 50 steps in a worker process takes minutes on a loaded machine
    await waitFor(async () => (await row(reference)).status === "SUCCEEDED", 300_000, "the reference run");
    await stop(first);

    const id = await insertJob(11, 10);
    const victim = engineWorker("victim");
    const atKill = await waitFor(async () => {
      const r = await row(id);
      return r.checkpoint?.step === 10 && r.steps_completed >= 13 ? r : null;
    }, 300_000, "the victim to pass its first checkpoint");
    victim.child.kill("SIGKILL");
    await victim.exited;
    const killedAtStep = (await row(id)).steps_completed;
    expect(killedAtStep).toBeLessThan(20);

    const rescuer = engineWorker("rescuer");
    await waitFor(async () => (await row(id)).status === "SUCCEEDED", 300_000, "the rescuer to finish");
    await stop(rescuer);
    const done = await row(id);
    const ref = await row(reference);
    expect(done.attempts).toBeGreaterThanOrEqual(2); // the victim's run and the rescuer's (a starved heartbeat may add one)
    expect(done.metadata.denoise).toMatchObject({ steps: 50, resumedFromStep: atKill.checkpoint.step, stepsExecuted: 50 - atKill.checkpoint.step });
    expect(killedAtStep - done.metadata.denoise.resumedFromStep).toBeLessThanOrEqual(10);
    expect(done.metadata.decode.framesSha256).toBe(ref.metadata.decode.framesSha256);
    expect(done.metadata.decode.bytes).toBe(ref.metadata.decode.bytes);

    // The delivered objects themselves, as the store holds them: each is the size its job records and
    // verifies Trusted; the MP4 each was signed from (its sha256 is inside the signed credentials) and
    // the encoded video they carry (the mdat payload) are the same bytes. Only the credentials differ
    // (job id, time, signature).
    const store = new DiskObjectStore(join(dataDir, "objects"));
    const trust = await readFile(join(dataDir, "certs", "root.pem"), "utf8");
    const delivered = await Promise.all([reference, id].map(async (job) => {
      const key = (await pool.query(`SELECT video->>'key' AS key FROM jobs WHERE id = $1`, [job])).rows[0].key as string;
      const bytes = await store.get(key);
      if (!bytes) throw new Error(`no delivered video for ${job}`);
      const file = join(dataDir, `delivered-${job}.mp4`);
      await writeFile(file, bytes);
      const verified = await verifyFile(file, { trustAnchorsPem: trust });
      const recorded = (await pool.query(`SELECT video->>'bytes' AS bytes FROM jobs WHERE id = $1`, [job])).rows[0].bytes;
      return { bytes, verified, recorded: Number(recorded) };
    }));
    for (const [i, d] of delivered.entries()) {
      expect(d.verified.state, `delivered video ${i}`).toBe("Trusted");
      expect(d.bytes.length, `delivered video ${i}`).toBe(d.recorded);
    }
    const [uninterrupted, resumed] = delivered as [typeof delivered[0], typeof delivered[0]];
    expect(resumed.verified.kinema?.jobId).toBe(id);
    expect(resumed.verified.kinema?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(resumed.verified.kinema?.contentHash).toBe(uninterrupted.verified.kinema?.contentHash);
    expect(sha256(boxPayload(resumed.bytes, "mdat"))).toBe(sha256(boxPayload(uninterrupted.bytes, "mdat")));
  }, 900_000);

  it("stops on non-finite values with NAN_DETECTED, retries once on another worker, then fails", async () => {
    const nanModel = join(dataDir, "kinema-tiny-nan");
    await buildModel(["--out", nanModel, "--nan-below", "0.5"]);
    const id = await insertJob(12, 1);
    const a = engineWorker("nan-a", { KINEMA_MODEL_DIR: nanModel });
    const b = engineWorker("nan-b", { KINEMA_MODEL_DIR: nanModel });
    await waitFor(async () => (await row(id)).status === "FAILED", 180_000, "the job to fail");
    await Promise.all([stop(a), stop(b)]);
    const failed = await row(id);
    expect(failed).toMatchObject({ error_code: "NAN_DETECTED", attempts: 2 });
    const failures = failed.metadata.failures as { worker: string; code: string; attempt: number }[];
    expect(failures.map((f) => f.code)).toEqual(["NAN_DETECTED", "NAN_DETECTED"]);
    expect(failures[0]!.worker).not.toBe(failures[1]!.worker);
  }, 300_000);
});
