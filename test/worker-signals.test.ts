// Signals to a real worker process (`workers/main.ts`) in the middle of a job. SIGTERM: the job is
// handed back at its next step (QUEUED at once, progress and checkpoint kept, the attempt not spent),
// another worker resumes it from that checkpoint, and the process exits 0 within its budget. A second signal
// while the first waits for a slow step: the process exits at once, and the job, still leased to the
// dead process, is swept back when the lease expires and finished by another worker.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { waitFor } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertJobs, killAll, spawnWorker, type WorkerProcess } from "./helpers/processes.js";

let db: TestDatabase;
let pool: pg.Pool;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
});
// A test that failed half-way must not leave a worker behind to take the next test's job.
afterEach(() => killAll(workers));
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

function worker(id: string, env: Record<string, string>): WorkerProcess {
  const w = spawnWorker(db.url, id, env);
  workers.push(w);
  return w;
}

async function onlyJob() {
  const { rows } = await pool.query(`SELECT id, status, stage, attempts, steps_completed, lease_owner, lease_expires_at, checkpoint, metadata,
    run_after <= now() AS runnable FROM jobs`);
  expect(rows).toHaveLength(1);
  return rows[0];
}

async function freshQueue(steps: number): Promise<void> {
  await pool.query(`DELETE FROM jobs`);
  await insertJobs(pool, 1, steps);
}

/** Milliseconds from `signal` to the process's exit, and its exit code. */
async function signalAndTime(w: WorkerProcess, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  w.child.kill(signal);
  const code = await w.exited;
  return { code, ms: Date.now() - sent };
}

// The stop budget: the step in flight (200 ms here), the fenced release, deregistering and closing
// pools. Seconds, not the lease: a worker that waited for its lease to expire would take a minute here.
const STOP_BUDGET_MS = 10_000;

describe("SIGTERM to a worker process mid-job", () => {
  it("hands the job back at the next step, exits 0 within its budget, and another worker resumes it", async () => {
    await freshQueue(40);
    // A lease far longer than the test: only a release, never the sweep, can free the job in time.
    const env = { TEST_STAGES: "stepping", TEST_MS_PER_STEP: "200", KINEMA_LEASE_MS: "120000", KINEMA_HEARTBEAT_MS: "1000" };
    const leaver = worker("leaver", env);
    await waitFor(async () => {
      const job = await onlyJob();
      return job.lease_owner === "leaver" && job.steps_completed >= 7;
    }, 90_000, "the leaver to be past its first checkpoint");

    const { code, ms } = await signalAndTime(leaver, "SIGTERM");
    expect(code).toBe(0);
    expect(ms).toBeLessThan(STOP_BUDGET_MS);
    const released = await onlyJob();
    expect(released).toMatchObject({ status: "QUEUED", stage: "QUEUED", lease_owner: null, lease_expires_at: null, runnable: true, attempts: 0 });
    expect(released.steps_completed).toBeGreaterThanOrEqual(7);
    expect(released.steps_completed).toBeLessThan(40);
    // The last checkpoint kept: fewer steps than the checkpoint interval (5 in the fixture) to recompute.
    expect(released.checkpoint.step).toBe(Math.floor(released.steps_completed / 5) * 5);
    expect((await pool.query(`SELECT id FROM workers WHERE id = 'leaver'`)).rowCount).toBe(0);

    const finisher = worker("finisher", { ...env, TEST_MS_PER_STEP: "0" });
    await waitFor(async () => (await onlyJob()).status === "SUCCEEDED", 90_000, "the finisher to finish");
    const done = await onlyJob();
    expect(done).toMatchObject({ attempts: 1, steps_completed: 40, lease_owner: null });
    // The finisher resumed from the leaver's last checkpoint.
    expect(done.metadata.fixtureFirstStep).toBe(released.checkpoint.step + 1);
    expect((await signalAndTime(finisher, "SIGTERM")).code).toBe(0);
  }, 240_000);
});

describe("a second signal", () => {
  it("exits at once while the first waits for a slow step; the lease then expires and another worker finishes the job", async () => {
    await freshQueue(3);
    // Each step takes 20 s (a slow GPU step): the first SIGTERM has to wait for it.
    const stubborn = worker("stubborn", { TEST_STAGES: "stepping", TEST_MS_PER_STEP: "20000", KINEMA_LEASE_MS: "3000", KINEMA_HEARTBEAT_MS: "1000" });
    await waitFor(async () => (await onlyJob()).lease_owner === "stubborn", 90_000, "the stubborn worker to claim the job");
    stubborn.child.kill("SIGTERM");
    const stillUp = await Promise.race([stubborn.exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 1_000))]);
    expect(stillUp).toBe(true); // the first signal waits for the step
    const { code, ms } = await signalAndTime(stubborn, "SIGINT");
    expect(code).toBe(1);
    expect(ms).toBeLessThan(2_000);
    // Nothing was handed back: the job is still RUNNING under the dead process's lease.
    expect(await onlyJob()).toMatchObject({ status: "RUNNING", lease_owner: "stubborn", steps_completed: 0 });

    // The dead process's 3 s lease is what expires; the rescuer's own is long, so a heartbeat starved on
    // a busy machine cannot add a third attempt.
    const rescuer = worker("rescuer", { TEST_STAGES: "stepping", TEST_MS_PER_STEP: "0", KINEMA_LEASE_MS: "60000", KINEMA_HEARTBEAT_MS: "5000", KINEMA_SWEEP_MS: "200" });
    await waitFor(async () => (await onlyJob()).status === "SUCCEEDED", 90_000, "the rescuer to finish");
    expect(await onlyJob()).toMatchObject({ attempts: 2, steps_completed: 3 });
    expect((await signalAndTime(rescuer, "SIGTERM")).code).toBe(0);
  }, 240_000);
});
