// The job lifecycle's crash and race windows (issue 22), each closed at its root: side effects after the
// fenced write that makes them right, token-keyed objects a stale worker cannot overwrite, the removal of
// a job's objects at every terminal state, and one terminal precedence with blocks first. The runner is
// driven directly (JobRun) against real PostgreSQL and a real disk store, so each window is opened on
// purpose, not by timing.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { StepTimes } from "../src/engine/step-times.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { PgEventBus } from "../src/events/pg.js";
import type { BusEvent } from "../src/events/bus.js";
import { cancelJob } from "../src/queue/sql/cancelJob.js";
import { createLogger } from "../src/log.js";
import { BlockedError, JobError } from "../src/queue/errors.js";
import { JobQueue } from "../src/queue/queue.js";
import type { ClaimedJob } from "../src/queue/types.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import { checkpointKey, previewKey } from "../src/storage/job-objects.js";
import type { Stage, StageContext } from "../workers/pipeline.js";
import { JobRun, type JobOutcome } from "../workers/runner.js";
import { uploadStage } from "../workers/stages/upload.js";
import { LeaseSweeper } from "../src/ops/lease-sweeper.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { jobObjectKeys } from "./helpers/objects.js";
import { insertAccount } from "./helpers/ops.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let store: DiskObjectStore;
let queue: JobQueue;
let accountId: string;
const log = createLogger("lifecycle-test");
const queueConfig = { leaseMs: 60_000, heartbeatMs: 30_000, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 20 };

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  dir = await mkdtemp(join(tmpdir(), "kinema-lifecycle-"));
  store = new DiskObjectStore(join(dir, "objects"));
  queue = new JobQueue(pool, new MemoryEventBus(), queueConfig);
  accountId = await insertAccount(pool, "PLUS");
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function claimNew(maxAttempts = 3): Promise<ClaimedJob> {
  await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'lifecycle', 'R480P', 854, 480, 1, 24, 1, 20, $2)`, [accountId, maxAttempts]);
  return (await queue.claim("w-lifecycle"))!;
}

const run = (job: ClaimedJob, stages: Stage[]) => new JobRun(job, { queue, stages, heartbeatMs: 60_000, log, store });

async function row(id: string) {
  return (await pool.query(`SELECT status, stage, steps_completed, checkpoint, video, error_code, metadata, fencing_token FROM jobs WHERE id = $1`, [id])).rows[0];
}

/** What a sweep does to a job whose worker stopped heartbeating: the lease expires and it is requeued. */
async function expireAndSweep(id: string): Promise<void> {
  await pool.query(`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
  expect(await queue.sweep()).toBeGreaterThanOrEqual(1);
}

/** A denoise-like stage: a checkpoint at step 10 and a preview at steps 5 and 10, through the store and the lease. */
function denoising(): Stage {
  return {
    stage: "DENOISING",
    async run(ctx: StageContext) {
      for (const step of [5, 10]) {
        if (step === 10) {
          const key = checkpointKey(ctx.job.id, ctx.job.fencingToken, step);
          await store.put(key, Buffer.from(`latent ${ctx.job.fencingToken}`), "application/octet-stream");
          await ctx.checkpoint(key, step);
        }
        const preview = previewKey(ctx.job.id, ctx.job.fencingToken, step);
        await store.put(preview, Buffer.from("png"), "image/png");
        await ctx.progress({ stepsCompleted: step, previewKey: preview });
      }
    },
  };
}

/** Stands in for decode + sign: a signed MP4 on local disk, whose bytes name the lease that made it. */
function encoding(): Stage {
  return {
    stage: "SIGNING",
    async run(ctx: StageContext) {
      const path = join(dir, `clip-${ctx.job.fencingToken}.mp4`);
      await writeFile(path, `clip of lease ${ctx.job.fencingToken}`);
      ctx.outputs.encoded = { path, width: 854, height: 480, fps: 24, frames: 24, bytes: 20 };
    },
  };
}

const upload = () => uploadStage({ store, stepTimes: new StepTimes() });

describe("side effects after the fenced write", () => {
  it("keeps the checkpoints until the fenced completion: a lease lost after the upload leaves the job resumable, not restarted", async () => {
    const job = await claimNew();
    const losing: Stage = { stage: "UPLOADING", run: async (ctx) => { await upload().run(ctx); await expireAndSweep(job.id); } };
    expect(await run(job, [denoising(), encoding(), losing]).run()).toBe<JobOutcome>("lease-lost");
    const requeued = await row(job.id);
    expect(requeued).toMatchObject({ status: "QUEUED", video: null });
    // the checkpoint the row points at is still there: the next run resumes from step 10
    expect(await store.get(requeued.checkpoint.key)).not.toBeNull();
    const next = (await queue.claim("w-next"))!;
    expect(next).toMatchObject({ id: job.id, stepsCompleted: 10 });
    // the refused clip (its key had the lost lease's token, so it was nobody else's) was removed by its writer
    expect((await jobObjectKeys(store, job.id)).filter((k) => k.startsWith("videos/"))).toEqual([]);
    await queue.complete({ jobId: next.id, fencingToken: next.fencingToken }, null, {});
  });

  it("a stale worker that uploads after the new owner's SUCCEEDED cannot replace the delivered clip", async () => {
    const job = await claimNew();
    let resume!: () => void;
    const frozen = new Promise<void>((r) => (resume = r));
    let reached!: () => void;
    const atUpload = new Promise<void>((r) => (reached = r));
    // The stale worker stops just before its upload (a long GC pause, a frozen VM) with its lease held.
    const stalling: Stage = { stage: "UPLOADING", run: async (ctx) => { reached(); await frozen; await upload().run(ctx); } };
    const stale = run(job, [denoising(), encoding(), stalling]).run();
    await atUpload;
    await expireAndSweep(job.id);
    const owner = (await queue.claim("w-owner"))!;
    expect(owner.id).toBe(job.id);
    expect(await run(owner, [denoising(), encoding(), upload()]).run()).toBe<JobOutcome>("succeeded");
    const delivered = await row(job.id);
    expect(delivered.status).toBe("SUCCEEDED");
    const deliveredBytes = await store.get(delivered.video.key);
    expect(deliveredBytes?.toString()).toBe(`clip of lease ${owner.fencingToken}`);

    resume();
    expect(await stale).toBe<JobOutcome>("lease-lost");
    // the delivered clip is untouched, and the stale worker's own upload is gone again
    expect((await store.get(delivered.video.key))?.toString()).toBe(`clip of lease ${owner.fencingToken}`);
    expect(await row(job.id)).toMatchObject({ status: "SUCCEEDED", video: delivered.video });
    expect(await jobObjectKeys(store, job.id)).toEqual([delivered.video.key]);
  });
});

describe("every terminal state removes the job's intermediate objects", () => {
  const endings: { name: string; status: string; outcome: JobOutcome; end: (ctx: StageContext) => Promise<void> }[] = [
    { name: "cancelled", status: "CANCELLED", outcome: "cancelled", end: async (ctx) => {
      await pool.query(`UPDATE jobs SET cancel_requested_at = now() WHERE id = $1`, [ctx.job.id]);
      await ctx.progress({ stepsCompleted: 11 }); // learns of the cancel here, and stops
    } },
    { name: "failed for good", status: "FAILED", outcome: "failed", end: async () => { throw new JobError("BAD_INPUT", "no", false); } },
    { name: "blocked by a classifier", status: "BLOCKED", outcome: "blocked", end: async () => { throw new BlockedError("sexual", { frames: [1] }); } },
    { name: "swept on its last attempt", status: "FAILED", outcome: "lease-lost", end: async (ctx) => {
      await pool.query(`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [ctx.job.id]);
      // the fleet's elected sweeper fires (its private sweep(), as its interval calls it)
      const sweeper = new LeaseSweeper(queue, store, 60_000, log);
      await (sweeper as unknown as { sweep(): Promise<void> }).sweep();
      await ctx.progress({ stepsCompleted: 11 });
    } },
  ];
  for (const ending of endings) {
    it(`${ending.name}: nothing of the job is left in the store`, async () => {
      const job = await claimNew(1);
      const outcome = await run(job, [denoising(), { stage: "POSTFILTER", run: ending.end }]).run();
      expect(outcome).toBe(ending.outcome);
      expect((await row(job.id)).status).toBe(ending.status);
      expect(await jobObjectKeys(store, job.id)).toEqual([]);
    });
  }

  it("a retry keeps them: the next run resumes from the checkpoint", async () => {
    const job = await claimNew();
    const outcome = await run(job, [denoising(), { stage: "DECODING", run: async () => { throw new JobError("FLAKY", "again", true); } }]).run();
    expect(outcome).toBe<JobOutcome>("retrying");
    const r = await row(job.id);
    expect(await store.get(r.checkpoint.key)).not.toBeNull();
    await pool.query(`UPDATE jobs SET status = 'CANCELLED', finished_at = now() WHERE id = $1`, [job.id]);
  });
});

describe("terminal precedence: a block wins", () => {
  for (const reason of ["cancelled", "shutdown"] as const) {
    it(`a clip blocked while a ${reason === "cancelled" ? "cancel" : "shutdown"} arrives ends BLOCKED with its audit, and keeps nothing`, async () => {
      const job = await claimNew();
      let runner!: JobRun;
      const blocking: Stage = {
        stage: "POSTFILTER",
        run: async () => {
          if (reason === "cancelled") await pool.query(`UPDATE jobs SET cancel_requested_at = now() WHERE id = $1`, [job.id]);
          runner.stop(reason); // arrives while the post-filter is deciding
          throw new BlockedError("csam", { hashGate: { matches: [{ frame: 3 }] } });
        },
      };
      runner = run(job, [denoising(), blocking]);
      expect(await runner.run()).toBe<JobOutcome>("blocked");
      const r = await row(job.id);
      expect(r).toMatchObject({ status: "BLOCKED", stage: "POSTFILTER", error_code: "CONTENT_BLOCKED", checkpoint: null });
      expect(r.metadata.postfilter).toEqual({ category: "csam", hashGate: { matches: [{ frame: 3 }] } });
      expect(await jobObjectKeys(store, job.id)).toEqual([]);
    });
  }
});

describe("announcements ride in the write", () => {
  it("a cancel is announced by its own statement: a listener hears it though nobody publishes afterwards", async () => {
    const bus = await PgEventBus.connect(db.url, pool);
    try {
      const heard: BusEvent[] = [];
      bus.subscribe((e) => heard.push(e));
      const { rows: [queued] } = await pool.query(
        `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
         VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'cancel me', 'R480P', 854, 480, 1, 24, 1, 20, 3) RETURNING id`, [accountId]);
      // the statement alone, as if the process died right after it returned (nothing else publishes)
      await cancelJob(pool, queued.id, accountId, bus.sqlChannel);
      const deadline = Date.now() + 5_000;
      while (!heard.some((e) => e.kind === "job" && e.jobId === queued.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(heard.find((e) => e.kind === "job" && e.jobId === queued.id)).toMatchObject({ status: "CANCELLED", stage: "QUEUED", queueChanged: true });
    } finally {
      await bus.close();
    }
  });
});
