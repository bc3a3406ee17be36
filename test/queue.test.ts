// The queue under real PostgreSQL: fencing, lease expiry and sweep, retries with backoff, cancel of a
// running job, graceful release, and stage progress through the runner.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { deliveringStage, sleep, steppingStage } from "./fixtures/stages.js";
import { JobQueue } from "../src/queue/queue.js";
import { BlockedError, LeaseLostError, JobError } from "../src/queue/errors.js";
import { MemoryEventBus } from "../src/events/memory.js";
import type { Stage } from "../workers/pipeline.js";
import type { JobOutcome } from "../workers/runner.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const input = { prompt: "a blue square bouncing", durationSeconds: 1, resolution: "R480P" };
const queueConfig = { leaseMs: 1_000, heartbeatMs: 300, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 200 };

/** The outcomes the worker reported for a job, once there are `n` (the runner reports after removing the job's objects, a moment after the row's terminal write). */
async function settledOutcomes(outcomes: Map<string, JobOutcome[]>, id: string, n: number): Promise<JobOutcome[] | undefined> {
  await waitFor(async () => (outcomes.get(id)?.length ?? 0) >= n, 5_000, "the worker to report the outcome").catch(() => {});
  return outcomes.get(id);
}

async function jobRow(id: string) {
  const { rows } = await pool.query("SELECT * FROM jobs WHERE id = $1", [id]);
  return rows[0];
}

/** An API-only app to submit jobs; workers are started per test. */
async function submitter(): Promise<TestKinema> {
  return startTestKinema({ databaseUrl: db.url });
}

describe("fencing and leases", () => {
  it("refuses every write of a worker whose lease expired and was taken over", async () => {
    const app = await submitter();
    try {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const queue = new JobQueue(pool, new MemoryEventBus(), queueConfig);
      const first = (await queue.claim("worker-a"))!;
      expect(first.id).toBe(generateVideo.job.id);
      expect(first.attempts).toBe(1);
      const stale = { jobId: first.id, fencingToken: first.fencingToken };
      await queue.checkpoint(stale, "checkpoints/x/2", 2);
      await queue.progress(stale, { stage: "DENOISING", stepsCompleted: 3 }, 30);

      await sleep(1_100); // the lease (1 s) runs out without a heartbeat
      expect(await queue.sweep()).toBe(1);
      const second = (await queue.claim("worker-b"))!;
      expect(second.id).toBe(first.id);
      expect(second.attempts).toBe(2);
      expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
      expect(second.stepsCompleted).toBe(2); // the next owner starts from the last checkpoint
      expect(second.checkpoint).toEqual({ key: "checkpoints/x/2", step: 2, fencingToken: first.fencingToken });

      const refused = await Promise.allSettled([
        queue.heartbeat(stale),
        queue.progress(stale, { stage: "DENOISING", stepsCompleted: 29 }, 30),
        queue.complete(stale, { url: "stale" }, {}),
        queue.fail(stale, 1, new JobError("X", "late", false)),
        queue.release(stale),
        queue.acknowledgeCancel(stale),
      ]);
      for (const write of refused) {
        expect(write.status).toBe("rejected");
        expect((write as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
      }
      const row = await jobRow(first.id);
      expect(row).toMatchObject({ status: "RUNNING", lease_owner: "worker-b", steps_completed: 2, video: null });

      await queue.complete({ jobId: second.id, fencingToken: second.fencingToken }, { url: "ok" }, {});
      expect(await jobRow(first.id)).toMatchObject({ status: "SUCCEEDED", stage: "DONE", video: { url: "ok" } });
    } finally {
      await app.stop();
    }
  });

  it("fails a job whose lease expires on its last attempt with LEASE_EXPIRED", async () => {
    const app = await submitter();
    try {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const queue = new JobQueue(pool, new MemoryEventBus(), { ...queueConfig, maxAttempts: 1 });
      await pool.query("UPDATE jobs SET max_attempts = 1 WHERE id = $1", [generateVideo.job.id]);
      expect((await queue.claim("w"))!.id).toBe(generateVideo.job.id);
      await sleep(1_100);
      await queue.sweep();
      expect(await jobRow(generateVideo.job.id)).toMatchObject({ status: "FAILED", error_code: "LEASE_EXPIRED" });
    } finally {
      await app.stop();
    }
  });
});

describe("a cancel that arrives while a job is running", () => {
  it("wins over a hand-back or a retry: the job ends CANCELLED instead of running again", async () => {
    const app = await submitter();
    try {
      const account = await app.account("FREE");
      const queue = new JobQueue(pool, new MemoryEventBus(), queueConfig);
      const cancel = `mutation($id: ID!) { cancelJob(id: $id) { job { status } userErrors { code } } }`;
      for (const ending of ["release", "retryable failure"] as const) {
        const { generateVideo } = await account.client.data(GENERATE, { input });
        const claimed = (await queue.claim("w"))!;
        expect(claimed.id).toBe(generateVideo.job.id);
        const { cancelJob } = await account.client.data(cancel, { id: claimed.id });
        expect(cancelJob).toEqual({ job: { status: "RUNNING" }, userErrors: [] }); // marked; the worker stops it
        const lease = { jobId: claimed.id, fencingToken: claimed.fencingToken };
        if (ending === "release") await queue.release(lease);
        else expect(await queue.fail(lease, 1, new JobError("FLAKY", "try again", true))).toEqual({ status: "CANCELLED" });
        expect(await jobRow(claimed.id), ending).toMatchObject({ status: "CANCELLED", lease_owner: null });
        expect(await queue.claim("w"), ending).toBeNull();
      }
    } finally {
      await app.stop();
    }
  });
});

describe("the stage runner in a worker", () => {
  async function withWorker(stages: Stage[], env: Record<string, string>, body: (app: TestKinema, outcomes: Map<string, JobOutcome[]>) => Promise<void>) {
    const outcomes = new Map<string, JobOutcome[]>();
    const app = await startTestKinema({
      databaseUrl: db.url, workers: 1, stages,
      env: { KINEMA_LEASE_MS: "2000", KINEMA_HEARTBEAT_MS: "500", ...env },
      onJobDone: (id, outcome) => outcomes.set(id, [...(outcomes.get(id) ?? []), outcome]),
    });
    try {
      await body(app, outcomes);
    } finally {
      await app.stop();
    }
  }

  it("runs every stage in order, writes each step, and delivers the video", async () => {
    const seen: string[] = [];
    const tracking: Stage = { stage: "DECODING", run: async (ctx) => { seen.push(`decode after ${ctx.job.stepBudget}`); } };
    await withWorker([steppingStage(0), tracking, deliveringStage()], {}, async (app) => {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      await waitFor(async () => (await jobRow(id)).status === "SUCCEEDED", 15_000, "job to succeed");
      const row = await jobRow(id);
      expect(row).toMatchObject({ stage: "DONE", steps_completed: 30, attempts: 1, lease_owner: null });
      expect(Object.keys(row.metadata.stageMs).sort()).toEqual(["DECODING", "DENOISING", "UPLOADING"]);
      expect(seen).toEqual(["decode after 30"]);
      const { job } = await account.client.data(`query($id: ID!) { job(id: $id) { status stepsCompleted video { url width height frames fps } finishedAt startedAt } }`, { id });
      expect(job).toMatchObject({ status: "SUCCEEDED", stepsCompleted: 30, video: { width: 854, height: 480, frames: 24, fps: 24 } });
    });
  });

  it("retries a failing job with backoff, then fails it with the last error code", async () => {
    const failing: Stage = { stage: "DENOISING", run: async (ctx) => { throw new JobError("MODEL_CRASHED", `boom on attempt ${ctx.job.attempts}`, true); } };
    await withWorker([failing], {}, async (app, outcomes) => {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      await waitFor(async () => (await jobRow(id)).status === "FAILED", 15_000, "job to fail");
      expect(await jobRow(id)).toMatchObject({ attempts: 3, error_code: "MODEL_CRASHED", error_message: "boom on attempt 3" });
      expect(await settledOutcomes(outcomes, id, 3)).toEqual(["retrying", "retrying", "failed"]);
      const { job } = await account.client.data(`query($id: ID!) { job(id: $id) { status attempts error { code message } } }`, { id });
      expect(job).toEqual({ status: "FAILED", attempts: 3, error: { code: "MODEL_CRASHED", message: "boom on attempt 3" } });
    });
  });

  it("retries an unclassified error as INTERNAL and shows clients a plain message, not its text", async () => {
    const buggy: Stage = { stage: "DENOISING", run: async () => { throw new Error("ENOENT: /srv/kinema/secret/path.onnx"); } };
    await withWorker([buggy], {}, async (app) => {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      await waitFor(async () => (await jobRow(id)).status === "FAILED", 15_000, "job to fail");
      expect(await jobRow(id)).toMatchObject({ attempts: 3, error_code: "INTERNAL", error_message: "ENOENT: /srv/kinema/secret/path.onnx" });
      const { job } = await account.client.data(`query($id: ID!) { job(id: $id) { error { code message } } }`, { id });
      expect(job.error.code).toBe("INTERNAL");
      expect(job.error.message).not.toContain("/srv");
    });
  });

  it("ends a job BLOCKED in the deciding stage when a stage refuses the content, with its audit record", async () => {
    const refusing: Stage = { stage: "POSTFILTER", run: async () => { throw new BlockedError("sexual", { frames: [0, 5] }); } };
    await withWorker([steppingStage(0), refusing, deliveringStage()], {}, async (app, outcomes) => {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      await waitFor(async () => (await jobRow(id)).status === "BLOCKED", 10_000, "job to be blocked");
      const row = await jobRow(id);
      expect(row).toMatchObject({ stage: "POSTFILTER", attempts: 1, error_code: "CONTENT_BLOCKED", video: null, checkpoint: null });
      expect(row.metadata.postfilter).toEqual({ category: "sexual", frames: [0, 5] });
      expect(await settledOutcomes(outcomes, id, 1)).toEqual(["blocked"]);
      const { job } = await account.client.data(`query($id: ID!) { job(id: $id) { status stage error { code message } } }`, { id });
      expect(job.error.message).not.toContain("sexual");
    });
  });

  it("does not retry a permanent error", async () => {
    const bad: Stage = { stage: "DENOISING", run: async () => { throw new JobError("BAD_INPUT", "unusable input", false); } };
    await withWorker([bad], {}, async (app, outcomes) => {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      await waitFor(async () => (await jobRow(id)).status === "FAILED", 10_000, "job to fail");
      expect(await jobRow(id)).toMatchObject({ attempts: 1, error_code: "BAD_INPUT" });
      expect(await settledOutcomes(outcomes, id, 1)).toEqual(["failed"]);
    });
  });

  it("stops a running job within one step when its owner cancels it", async () => {
    // The row takes every step (a row write whenever none is in flight, not every 5 s): its count is the
    // step the worker was at when the cancel came, give or take the write in flight.
    await withWorker([steppingStage(100), deliveringStage()], { KINEMA_PROGRESS_ROW_MS: "0" }, async (app, outcomes) => {
      const account = await app.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      await waitFor(async () => (await jobRow(id)).steps_completed >= 3, 10_000, "a few steps");
      const { cancelJob } = await account.client.data(`mutation($id: ID!) { cancelJob(id: $id) { job { status } userErrors { code } } }`, { id });
      expect(cancelJob.userErrors).toEqual([]);
      const stepsAtCancel = (await jobRow(id)).steps_completed;
      await waitFor(async () => (await jobRow(id)).status === "CANCELLED", 5_000, "cancel");
      const row = await jobRow(id);
      expect(row.steps_completed - stepsAtCancel).toBeLessThanOrEqual(1);
      expect(row.video).toBeNull();
      expect(await settledOutcomes(outcomes, id, 1)).toEqual(["cancelled"]);
    });
  });

  it("hands a running job back on shutdown so another worker resumes it at once", async () => {
    let app1Done = false;
    const outcomes1 = new Map<string, JobOutcome[]>();
    const app1 = await startTestKinema({
      databaseUrl: db.url, workers: 1, stages: [steppingStage(100), deliveringStage()],
      env: { KINEMA_LEASE_MS: "60000", KINEMA_HEARTBEAT_MS: "1000" },
      onJobDone: (id, o) => outcomes1.set(id, [o]),
    });
    try {
      const account = await app1.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      await waitFor(async () => (await jobRow(id)).steps_completed >= 6, 10_000, "steps past the first checkpoint");
      await app1.stop();
      app1Done = true;
      expect(outcomes1.get(id)).toEqual(["released"]);
      const released = await jobRow(id);
      expect(released).toMatchObject({ status: "QUEUED", lease_owner: null });
      const resumedFrom = released.checkpoint.step;
      // The lease was 60 s: a second worker picks the job up now, not after it expires.
      const started = Date.now();
      await withWorker([steppingStage(0), deliveringStage()], {}, async () => {
        await waitFor(async () => (await jobRow(id)).status === "SUCCEEDED", 10_000, "resume");
      });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(resumedFrom).toBeGreaterThanOrEqual(5);
      // A hand-back is not a failed attempt: the job was started twice but has used one attempt.
      expect(await jobRow(id)).toMatchObject({ attempts: 1, steps_completed: 30 });
    } finally {
      if (!app1Done) await app1.stop();
    }
  });
});
