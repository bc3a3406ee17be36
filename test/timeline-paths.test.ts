// The timeline's fast paths write exactly what the general trigger writes. 0021 gave the claim its own
// trigger (job_timeline_claimed) and 0023 the completion (job_timeline_completed); the general trigger
// (job_timeline, 0008) leaves those cases out of its WHEN. Each case here runs one real queue statement on
// a real job three times inside one transaction, each under a savepoint rolled back afterwards (so now(),
// and with it every `at` and duration, is the same in all three):
//   installed  the triggers as migrated;
//   fast only  the general trigger disabled: what the fast paths alone write (nothing, for a change that
//              is not theirs);
//   reference  every timeline trigger disabled and 0008's general trigger installed with its original
//              WHEN: what the timeline wrote before 0021 and 0023.
// installed must equal reference, field for field, for every case; fast only must equal it for the cases
// the fast paths take, and be empty for the others (so exactly one timeline trigger runs per change).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { claimJob } from "../src/queue/sql/claimJob.js";
import { completeJobs, failJob } from "../src/queue/sql/finishJob.js";
import { recordCheckpoint } from "../src/queue/sql/recordCheckpoint.js";
import { recordProgress } from "../src/queue/sql/recordProgress.js";
import type { Lease } from "../src/queue/types.js";
import { expandStoredEvents, type StoredEvent } from "../src/timeline/compact.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
let pool: pg.Pool;
let client: pg.PoolClient;
let account: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 1);
  client = await pool.connect();
  account = (await client.query(`INSERT INTO accounts (name, tier) VALUES ('paths', 'PLUS') RETURNING id`)).rows[0].id;
});
afterAll(async () => {
  client?.release();
  await pool?.end();
  await db?.drop();
});

// 0008's trigger as it was before any fast path: every change of the timeline's columns.
const REFERENCE = `
  ALTER TABLE jobs DISABLE TRIGGER jobs_timeline_update;
  ALTER TABLE jobs DISABLE TRIGGER jobs_timeline_claim;
  ALTER TABLE jobs DISABLE TRIGGER jobs_timeline_complete;
  CREATE TRIGGER jobs_timeline_reference AFTER UPDATE ON jobs FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.stage IS DISTINCT FROM NEW.stage
       OR OLD.fencing_token IS DISTINCT FROM NEW.fencing_token OR OLD.checkpoint IS DISTINCT FROM NEW.checkpoint
       OR OLD.cancel_requested_at IS DISTINCT FROM NEW.cancel_requested_at)
    EXECUTE FUNCTION job_timeline();`;
const FAST_ONLY = `ALTER TABLE jobs DISABLE TRIGGER jobs_timeline_update;`;

/** One QUEUED job, the only one queued (the claim takes the lane's head: this job). */
async function queuedJob(): Promise<string> {
  const { rows } = await client.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'a red ball', 'R480P', 854, 480, 1, 24, 7, 30, 3) RETURNING id`, [account]);
  return rows[0].id;
}

async function claim(firstStage: "DENOISING" | null = "DENOISING"): Promise<Lease> {
  const claimed = await claimJob(client, "worker-a", 30_000, firstStage);
  return { jobId: claimed!.job.id, fencingToken: claimed!.job.fencingToken };
}

/**
 * The job's events after `afterId` as the timeline reads them (a compact claim row expanded: 0026,
 * src/timeline/compact.ts), all columns but the ids; a fencing token shown as whether it is the row's own.
 */
async function eventsAfter(jobId: string, afterId: number) {
  const { rows } = await client.query(
    `SELECT e.id::text AS id, e.kind, e.stage, e.step, e.duration_seconds AS "durationSeconds", e.worker_id AS "workerId", e.detail, e.at,
       CASE WHEN e.fencing_token IS NULL THEN NULL WHEN e.fencing_token = j.fencing_token THEN 'current' ELSE e.fencing_token::text END AS "fencingToken"
     FROM job_events e JOIN jobs j ON j.id = e.job_id WHERE e.job_id = $1 AND e.id > $2 ORDER BY e.id`, [jobId, afterId]);
  return expandStoredEvents(rows as StoredEvent[]).map((e) => ({
    kind: e.kind, stage: e.stage, step: e.step, duration_seconds: e.durationSeconds, worker_id: e.workerId,
    detail: e.detail, at: (e as StoredEvent & { at: Date }).at, token: e.fencingToken,
  })) as any[]; // as the driver's rows were: the cases read their detail freely
}

/** The events one write adds, through the installed triggers, the fast paths alone, and 0008's trigger. */
async function throughEachPath(jobId: string, write: () => Promise<unknown>) {
  const last = Number((await client.query(`SELECT coalesce(max(id), 0) AS id FROM job_events WHERE job_id = $1`, [jobId])).rows[0].id);
  await client.query("BEGIN");
  try {
    const run = async (setup: string) => {
      await client.query("SAVEPOINT path");
      if (setup) await client.query(setup);
      await write();
      const events = await eventsAfter(jobId, last);
      await client.query("ROLLBACK TO SAVEPOINT path");
      return events;
    };
    return { installed: await run(""), fastOnly: await run(FAST_ONLY), reference: await run(REFERENCE) };
  } finally {
    await client.query("ROLLBACK");
  }
}

/** Runs `write` for real (committed) after checking it through each path. */
async function expectSameEvents(jobId: string, write: () => Promise<unknown>, fast: boolean) {
  const paths = await throughEachPath(jobId, write);
  expect(paths.reference.length).toBeGreaterThan(0);
  expect(paths.installed).toEqual(paths.reference);
  expect(paths.fastOnly).toEqual(fast ? paths.reference : []);
  await write();
  return paths.installed;
}

const complete = (lease: Lease, video: unknown = null, metadata: Record<string, unknown> = {}) => async () => {
  const rows = await completeJobs(client, [{ lease, video, metadata }], null);
  expect(rows).toHaveLength(1);
};

describe("the timeline's fast paths", () => {
  it("a claim and a one-stage completion write what job_timeline() wrote", async () => {
    const id = await queuedJob();
    let lease!: Lease;
    const claimed = await expectSameEvents(id, async () => { lease = await claim(); }, true);
    expect(claimed.map((e) => e.kind)).toEqual(["STAGE_LEFT", "CLAIMED", "STAGE_ENTERED"]);
    // stored as one row (0026): the claim's statement inserts one tuple, not three
    const stored = await client.query(`SELECT kind FROM job_events WHERE job_id = $1 AND kind NOT IN ('SUBMITTED', 'QUEUED') ORDER BY id`, [id]);
    expect(stored.rows.map((r) => r.kind)).toEqual(["CLAIMED"]);
    const finished = await expectSameEvents(id, complete(lease), true);
    expect(finished.map((e) => [e.kind, e.stage, e.worker_id, e.token])).toEqual([
      ["STAGE_LEFT", "DENOISING", "worker-a", "current"], ["FINISHED", "DONE", "worker-a", "current"]]);
    expect(finished[1].detail).toEqual({ status: "SUCCEEDED", errorCode: null,
      attemptEnd: { outcome: "SUCCEEDED", errorCode: null, stepsCompleted: 0, attempts: 1 } });
    expect(finished[0].duration_seconds).toBeGreaterThanOrEqual(0);
  });

  it("a completion from UPLOADING records the upload, as job_timeline() did", async () => {
    const id = await queuedJob();
    const lease = await claim();
    await recordProgress(client, lease, { stage: "DENOISING", stepsCompleted: 30 }, 30_000, null, {});
    await expectSameEvents(id, () => recordProgress(client, lease, { stage: "UPLOADING" }, 30_000, null, {}), false);
    const finished = await expectSameEvents(id, complete(lease, { key: "videos/a.mp4", bytes: 12345, mime: "video/mp4" }, { stageMs: { UPLOADING: 3 } }), true);
    expect(finished.map((e) => e.kind)).toEqual(["STAGE_LEFT", "UPLOADED", "FINISHED"]);
    expect(finished[1].detail).toEqual({ key: "videos/a.mp4", bytes: 12345 });
    expect(finished[2].detail.attemptEnd.stepsCompleted).toBe(30);
  });

  it("a retried job resumed from its checkpoint completes with its attempt and steps, as job_timeline() did", async () => {
    const id = await queuedJob();
    const first = await claim();
    await expectSameEvents(id, () => recordCheckpoint(client, first, "checkpoints/x/5", 5, 30_000), false);
    await expectSameEvents(id, () => failJob(client, first, { code: "WORKER_CRASHED", message: "boom", retryable: true }, 0, null), false);
    let second!: Lease;
    const resumed = await expectSameEvents(id, async () => { second = await claim(); }, true);
    expect(resumed.map((e) => e.kind)).toEqual(["STAGE_LEFT", "CLAIMED", "RESUMED", "STAGE_ENTERED"]);
    const finished = await expectSameEvents(id, complete(second), true);
    expect(finished[1].detail.attemptEnd).toEqual({ outcome: "SUCCEEDED", errorCode: null, stepsCompleted: 5, attempts: 2 });
  });

  it("a job claimed without a first stage finishes without a STAGE_LEFT, as job_timeline() did", async () => {
    const id = await queuedJob();
    const lease = await claim(null);
    const finished = await expectSameEvents(id, complete(lease), true);
    expect(finished.map((e) => e.kind)).toEqual(["FINISHED"]);
  });

  it("completions the fast path leaves out are written by the general trigger as before", async () => {
    // A completion that also records a failure (metadata.failures grows): job_timeline()'s `failed`.
    const grows = await queuedJob();
    const a = await claim();
    await expectSameEvents(grows, complete(a, null, { failures: [{ attempt: 1, worker: "worker-a", code: "NAN_DETECTED" }] }), false);
    // A removed job's completion ends CANCELLED.
    const removed = await queuedJob();
    const b = await claim();
    await client.query(`UPDATE jobs SET removal_reason = 'deleted by owner' WHERE id = $1`, [removed]);
    const cancelled = await expectSameEvents(removed, complete(b), false);
    expect(cancelled.at(-1).detail.status).toBe("CANCELLED");
    // Finished with a cancel request set in the same statement, and under a new fencing token (the sweep's mark).
    for (const set of [`cancel_requested_at = now(), metadata = metadata || '{"cancel":{"by":"owner"}}'`, `fencing_token = nextval('job_fencing_seq')`]) {
      const id = await queuedJob();
      await claim();
      const events = await expectSameEvents(id, () => client.query(
        `UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', finished_at = now(), lease_owner = NULL, ${set} WHERE id = $1`, [id]), false);
      expect(events.map((e) => e.kind)).toContain(set.startsWith("cancel") ? "CANCEL_REQUESTED" : "LEASE_LOST");
    }
  });
});
