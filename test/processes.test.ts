// Workers in separate processes sharing one PostgreSQL queue: a race of 8 workers over 500 jobs, and a
// worker killed with SIGKILL mid-job whose job another worker finishes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor } from "./helpers/app.js";
import { insertJobs, killAll, spawnWorker, type WorkerProcess } from "./helpers/processes.js";
import { JobQueue } from "../src/queue/queue.js";
import { LeaseLostError } from "../src/queue/errors.js";
import { MemoryEventBus } from "../src/events/memory.js";

let db: TestDatabase;
let pool: pg.Pool;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  await pool.query(`CREATE TABLE test_runs (job_id uuid NOT NULL, worker_id text NOT NULL, fencing_token bigint NOT NULL)`);
});
// A worker a failed test left behind would claim the next test's job.
const killWorkers = () => killAll(workers);
afterEach(killWorkers);
afterAll(async () => {
  await killWorkers();
  await pool?.end();
  await db?.drop();
});

async function statusCounts(): Promise<Record<string, number>> {
  const { rows } = await pool.query(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe("worker processes", () => {
  it("8 workers racing over 500 jobs run every job exactly once", async () => {
    const racers = Array.from({ length: 8 }, (_, i) => spawnWorker(db.url, `racer-${i}`, { TEST_STAGES: "recording" }));
    workers.push(...racers);
    try {
      // Every racer registered (it claims right after) before any job exists: on a loaded machine the
      // first process to boot would otherwise drain the queue before the last one starts.
      await waitFor(async () => (await pool.query(`SELECT count(*)::int AS n FROM workers`)).rows[0].n === 8, 60_000, "8 workers to register");
      // Five accounts: FREE runs at most 3 jobs of one account at once, and all 8 racers should be able to hold one.
      for (let a = 0; a < 5; a++) await insertJobs(pool, 100);
      await waitFor(async () => (await statusCounts()).SUCCEEDED === 500, 120_000, "500 jobs to succeed");

      const runs = await pool.query(`SELECT job_id, count(*)::int AS n FROM test_runs GROUP BY job_id`);
      expect(runs.rows).toHaveLength(500);
      expect(runs.rows.every((r) => r.n === 1)).toBe(true);
      const jobs = await pool.query(`SELECT attempts, video IS NOT NULL AS delivered FROM jobs`);
      expect(jobs.rows.every((r) => r.attempts === 1 && r.delivered)).toBe(true);
      // The work was shared, not done by one process.
      const byWorker = await pool.query(`SELECT worker_id, count(*)::int AS n FROM test_runs GROUP BY worker_id`);
      expect(byWorker.rows.length).toBeGreaterThanOrEqual(4);

      for (const w of racers) w.child.kill("SIGTERM");
      expect(await Promise.all(racers.map((w) => w.exited))).toEqual(racers.map(() => 0));
      expect((await pool.query(`SELECT count(*)::int AS n FROM workers`)).rows[0].n).toBe(0); // deregistered on exit
    } finally {
      await killWorkers(); // a failure above must not leave racers to claim the next test's job
    }
  }, 180_000);

  it("a worker killed with SIGKILL mid-job loses its lease; another finishes the job; its late writes are refused", async () => {
    await pool.query(`DELETE FROM jobs`);
    await pool.query(`DELETE FROM accounts`);
    await insertJobs(pool, 1, 30);
    const env = { TEST_STAGES: "stepping", TEST_MS_PER_STEP: "100", KINEMA_LEASE_MS: "1500", KINEMA_HEARTBEAT_MS: "500", KINEMA_SWEEP_MS: "200" };
    const victim = spawnWorker(db.url, "victim", env);
    workers.push(victim);
    const claimed = await waitFor(async () => {
      const { rows } = await pool.query(`SELECT id, fencing_token, steps_completed FROM jobs WHERE lease_owner = 'victim' AND steps_completed >= 3`);
      return rows[0];
    }, 30_000, "the victim to be mid-job");
    victim.child.kill("SIGKILL");
    await victim.exited;

    const rescuer = spawnWorker(db.url, "rescuer", env);
    workers.push(rescuer);
    await waitFor(async () => (await pool.query(`SELECT status FROM jobs WHERE id = $1`, [claimed.id])).rows[0].status === "SUCCEEDED", 60_000, "the rescuer to finish");
    const { rows } = await pool.query(`SELECT attempts, lease_owner, fencing_token, steps_completed FROM jobs WHERE id = $1`, [claimed.id]);
    expect(rows[0]).toMatchObject({ attempts: 2, steps_completed: 30, lease_owner: null });
    expect(Number(rows[0].fencing_token)).toBeGreaterThan(Number(claimed.fencing_token));

    // The dead worker's writes, replayed with its stale token, change nothing.
    const queue = new JobQueue(pool, new MemoryEventBus(), { leaseMs: 1500, heartbeatMs: 500, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 10 });
    const stale = { jobId: claimed.id as string, fencingToken: Number(claimed.fencing_token) };
    await expect(queue.progress(stale, { stage: "DENOISING", stepsCompleted: 4 }, 30)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.complete(stale, { url: "from the dead" }, {})).rejects.toBeInstanceOf(LeaseLostError);
    const after = await pool.query(`SELECT status, steps_completed, video->>'url' AS url FROM jobs WHERE id = $1`, [claimed.id]);
    expect(after.rows[0]).toMatchObject({ status: "SUCCEEDED", steps_completed: 30 });
    expect(after.rows[0].url).not.toBe("from the dead");
    rescuer.child.kill("SIGTERM");
    expect(await rescuer.exited).toBe(0);
  }, 120_000);
});
