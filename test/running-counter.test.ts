// The burst cap's counter (scheduler_account_load.running, 0028) through every kind of status change, against the
// truth it stands for: the account's RUNNING jobs. 0024 replaced 0004's one catch-all trigger with
// triggers whose WHEN clauses run only when a job enters or leaves RUNNING; each step here is a real queue
// statement (or the raw SQL a repair would run) and the counter must equal the count after every one.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { claimJob } from "../src/queue/sql/claimJob.js";
import { acknowledgeCancel, completeJobs, failJob, releaseJob } from "../src/queue/sql/finishJob.js";
import { sweepExpiredLeases } from "../src/queue/sql/sweepExpiredLeases.js";
import type { Lease } from "../src/queue/types.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function insertJobs(account: string, n: number, status = "QUEUED"): Promise<string[]> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
     SELECT $1, 'PLUS', $3::"JobStatus", CASE WHEN $3 = 'RUNNING' THEN 'DENOISING' ELSE 'QUEUED' END::"JobStage", 'a cube', 'R480P', 854, 480, 1, 24, g, 30, 2
     FROM generate_series(1, $2) g RETURNING id`, [account, n, status]);
  return rows.map((r) => r.id);
}

async function claim(): Promise<Lease> {
  const claimed = await claimJob(pool, "w", 30_000, "DENOISING");
  return { jobId: claimed!.job.id, fencingToken: claimed!.job.fencingToken };
}

/** The counter and the count it stands for. */
async function counted(account: string) {
  const { rows } = await pool.query(
    `SELECT (SELECT running FROM scheduler_account_load WHERE account_id = $1) AS counter,
       (SELECT count(*)::int FROM jobs WHERE account_id = $1 AND status = 'RUNNING') AS running`, [account]);
  return rows[0] as { counter: number | null; running: number };
}

describe("the running-job counter", () => {
  it("equals the account's RUNNING jobs after every kind of status change", async () => {
    const account = (await pool.query(`INSERT INTO accounts (name, tier) VALUES ('counter', 'PLUS') RETURNING id`)).rows[0].id;
    const steps: [string, () => Promise<unknown>][] = [];
    let leases: Lease[] = [];
    const step = (name: string, run: () => Promise<unknown>) => steps.push([name, run]);
    step("submissions (QUEUED inserts)", () => insertJobs(account, 6));
    step("claims", async () => { leases = [await claim(), await claim(), await claim(), await claim(), await claim()]; });
    step("a completion", () => completeJobs(pool, [{ lease: leases[0]!, video: null, metadata: {} }], null));
    step("a retryable failure (back to QUEUED)", () => failJob(pool, leases[1]!, { code: "X", message: "x", retryable: true }, 0, null));
    step("a hand-back (release)", () => releaseJob(pool, leases[2]!, null));
    step("a cancelled run acknowledged", () => acknowledgeCancel(pool, leases[3]!, null));
    step("the sweep of an expired lease", async () => {
      await pool.query(`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [leases[4]!.jobId]);
      expect(await sweepExpiredLeases(pool, null)).toHaveLength(1);
    });
    step("a status set to itself (UPDATE OF status, no change)", () => pool.query(`UPDATE jobs SET status = status WHERE account_id = $1`, [account]));
    step("a queued job cancelled", () => pool.query(`UPDATE jobs SET status = 'CANCELLED' WHERE id = (SELECT id FROM jobs WHERE account_id = $1 AND status = 'QUEUED' LIMIT 1)`, [account]));
    step("jobs inserted already RUNNING", () => insertJobs(account, 2, "RUNNING"));
    step("a running job deleted", () => pool.query(`DELETE FROM jobs WHERE id = (SELECT id FROM jobs WHERE account_id = $1 AND status = 'RUNNING' LIMIT 1)`, [account]));
    step("a claim for an account whose counter row is gone (the trigger creates it)", async () => {
      await pool.query(`DELETE FROM scheduler_accounts WHERE account_id = $1`, [account]);
      await pool.query(`UPDATE jobs SET status = 'FAILED' WHERE account_id = $1 AND status = 'RUNNING'`, [account]);
      expect((await counted(account)).counter).toBeNull();
      await claim();
    });
    for (const [name, run] of steps) {
      await run();
      const { counter, running } = await counted(account);
      expect({ name, counter }).toEqual({ name, counter: running });
    }
    expect((await counted(account)).running).toBe(1);
  });
});
