// The progress write commits without waiting for the WAL flush (src/queue/sql/recordProgress.ts): the
// setting is the statement's own transaction's, so a pooled connection never carries it into the next
// caller's transaction (a claim or a completion must still wait for its flush).
import { afterAll, beforeAll, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { recordProgress } from "../src/queue/sql/recordProgress.js";
import { recordCheckpoint } from "../src/queue/sql/recordCheckpoint.js";
import { LeaseLostError } from "../src/queue/errors.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertJobs, insertAccount } from "../bench/lib/db.js";

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

async function runningJob(client: pg.ClientBase): Promise<{ jobId: string; fencingToken: number }> {
  const [id] = await insertJobs(client, await insertAccount(client), 1);
  const { rows } = await client.query(
    `UPDATE jobs SET status = 'RUNNING', stage = 'DENOISING', lease_owner = 'w', lease_expires_at = now() + interval '1 minute',
       fencing_token = nextval('job_fencing_seq') WHERE id = $1 RETURNING fencing_token`, [id]);
  return { jobId: id!, fencingToken: Number(rows[0].fencing_token) };
}

const show = async (client: pg.ClientBase) => (await client.query("SHOW synchronous_commit")).rows[0].synchronous_commit as string;

it("turns synchronous_commit off for its own transaction only", async () => {
  const client = await pool.connect();
  try {
    const lease = await runningJob(client);
    expect(await show(client)).toBe("on");
    await client.query("BEGIN");
    await recordProgress(client as never, lease, { stage: "DENOISING", stepsCompleted: 4 }, 60_000, null, {});
    expect(await show(client)).toBe("off");
    await client.query("COMMIT");
    // the next transaction on the same connection (autocommit statements included) waits for its flush again
    expect(await show(client)).toBe("on");
    await recordProgress(client as never, lease, { stage: "DENOISING", stepsCompleted: 5 }, 60_000, null, {});
    expect(await show(client)).toBe("on");
    await recordCheckpoint(client as never, lease, "checkpoints/x/1-5.ckpt", 5, 60_000);
    const { rows } = await client.query("SELECT steps_completed FROM jobs WHERE id = $1", [lease.jobId]);
    expect(rows[0].steps_completed).toBe(5);
  } finally {
    client.release();
  }
});

it("still refuses a stale lease and writes nothing for it", async () => {
  const client = await pool.connect();
  try {
    const lease = await runningJob(client);
    const stale = { ...lease, fencingToken: lease.fencingToken - 1 };
    await expect(recordProgress(client as never, stale, { stage: "DENOISING", stepsCompleted: 9 }, 60_000, null, {})).rejects.toBeInstanceOf(LeaseLostError);
    const { rows } = await client.query("SELECT steps_completed FROM jobs WHERE id = $1", [lease.jobId]);
    expect(rows[0].steps_completed).toBe(0);
  } finally {
    client.release();
  }
});
