// Fewer row writes per running job (issue 18): a checkpoint's statement carries the steps the pipeline
// had not written and extends the lease, so it is also the lane's row write and a heartbeat; a heartbeat
// sends no statement while a row write extended the lease within half a heartbeat interval (and within
// leaseMs - 2 x heartbeatMs), and does otherwise (no lane, a lane whose writes are older, a lease found lost, a job asked to cancel).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { PgEventBus } from "../src/events/pg.js";
import { LeaseLostError } from "../src/queue/errors.js";
import { JobQueue, type QueueConfig } from "../src/queue/queue.js";
import { MAX_ROW_WRITES_IN_FLIGHT, StepPipeline } from "../src/queue/step-pipeline.js";
import { EventBatcher } from "../src/events/batcher.js";
import { MemoryEventBus } from "../src/events/memory.js";
import type { JobEvent } from "../src/events/bus.js";
import type { Sql } from "../src/db/pool.js";
import type { ProgressWrite } from "../src/queue/sql/recordProgress.js";
import type { Lease } from "../src/queue/types.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount, insertJobs } from "../bench/lib/db.js";

let db: TestDatabase;
let pool: pg.Pool;
let bus: PgEventBus;
const config = (leaseMs: number, heartbeatMs: number, progressRowMs = 60_000): QueueConfig => ({
  leaseMs, heartbeatMs, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 10, progressRowMs, stepGatherMs: 0,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  bus = await PgEventBus.connect(db.url, pool);
});
afterAll(async () => {
  await bus?.close();
  await pool?.end();
  await db?.drop();
});

interface Row { steps_completed: number; checkpoint: { key: string; step: number } | null; lease_ms: number; lease_expires_at: Date }
const row = async (jobId: string): Promise<Row> => (await pool.query(
  `SELECT steps_completed, checkpoint, lease_expires_at, (extract(epoch FROM lease_expires_at - now()) * 1000)::float8 AS lease_ms FROM jobs WHERE id = $1`, [jobId])).rows[0];

async function running(queue: JobQueue, firstStage: "DENOISING" | null = "DENOISING"): Promise<Lease> {
  await insertJobs(pool, await insertAccount(pool), 1, 30);
  const job = (await queue.claim(`w-${Math.random()}`, firstStage))!;
  return { jobId: job.id, fencingToken: job.fencingToken };
}

/** Pipelined steps from..to (the claim into DENOISING opened their lane). */
async function steps(queue: JobQueue, lease: Lease, from: number, to: number): Promise<void> {
  for (let step = from; step <= to; step++) await queue.step(lease, { stage: "DENOISING", stepsCompleted: step, progress: { etaSeconds: 30 - step } }, 30);
}

/** Moves the row's lease to expire in `ms`, as if its last extension were that old. */
const ageLease = (jobId: string, ms: number) => pool.query(`UPDATE jobs SET lease_expires_at = now() + $2 * interval '1 millisecond' WHERE id = $1`, [jobId, ms]);

describe("a running job's row writes", () => {
  it("a checkpoint carries the unwritten steps and extends the lease, in one statement", async () => {
    const queue = new JobQueue(pool, bus, config(30_000, 10_000));
    const lease = await running(queue);
    await steps(queue, lease, 1, 7);
    expect((await row(lease.jobId)).steps_completed).toBe(0); // the row interval is 60 s: steps 1-7 unwritten
    await ageLease(lease.jobId, 5_000);
    await queue.checkpoint(lease, "checkpoints/x/7", 7);
    const after = await row(lease.jobId);
    expect(after.steps_completed).toBe(7);
    expect(after.checkpoint).toMatchObject({ key: "checkpoints/x/7", step: 7, fencingToken: lease.fencingToken });
    expect(after.lease_ms).toBeGreaterThan(25_000);
    // nothing left for the end to write: complete() writes the steps only when some are unwritten
    await steps(queue, lease, 8, 8);
    await queue.complete(lease, { key: "videos/x" }, {});
    expect((await row(lease.jobId)).steps_completed).toBe(8);
  });

  it("the trailing row write comes a row interval after the last step, not after the last row write", async () => {
    const queue = new JobQueue(pool, bus, config(30_000, 10_000, 1_000));
    const lease = await running(queue); // the claim is the lane's last row write
    await steps(queue, lease, 1, 1);
    await sleep(700);
    await steps(queue, lease, 2, 2); // 0.7 s after the claim: unwritten, the trailing write moves to ~1.7 s
    await sleep(500);
    // 1.2 s after the claim: timed from the claim, it would have written by now (a checkpoint due at this
    // step would then follow a row write it could have carried)
    expect((await row(lease.jobId)).steps_completed).toBe(0);
    const deadline = Date.now() + 5_000;
    while ((await row(lease.jobId)).steps_completed !== 2 && Date.now() < deadline) await sleep(50);
    expect((await row(lease.jobId)).steps_completed).toBe(2); // the steps still reach the row
    await queue.complete(lease, { key: "videos/x" }, {});
  });

  it("background row writes: at most MAX_ROW_WRITES_IN_FLIGHT at once per process, every step still reaches its row", async () => {
    let inFlight = 0;
    let most = 0;
    const counting: Sql = {
      query(text, values) {
        const row = (typeof text === "string" ? text : text.text).includes("recordProgress");
        if (row) most = Math.max(most, ++inFlight);
        const done = () => { if (row) inFlight--; };
        return (pool.query(text as never, values as never) as Promise<never>).finally(done) as never;
      },
    };
    const queue = new JobQueue(counting, bus, config(30_000, 10_000, 0)); // every step wants a row write
    const leases = await Promise.all(Array.from({ length: 12 }, () => running(queue)));
    for (let step = 1; step <= 6; step++) {
      for (const lease of leases) await queue.step(lease, { stage: "DENOISING", stepsCompleted: step }, 30);
      await sleep(5);
    }
    const deadline = Date.now() + 5_000;
    const rows = async () => Promise.all(leases.map(async (l) => (await row(l.jobId)).steps_completed));
    while ((await rows()).some((n) => n !== 6) && Date.now() < deadline) await sleep(50);
    expect(await rows()).toEqual(leases.map(() => 6)); // the queued writes ran, carrying the last step
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(MAX_ROW_WRITES_IN_FLIGHT);
    for (const lease of leases) await queue.complete(lease, { key: "videos/x" }, {});
  });

  it("a heartbeat right after a row write sends nothing; without a recent row write it extends the lease", async () => {
    const queue = new JobQueue(pool, bus, config(30_000, 10_000));
    // claimed into no stage: no lane, the heartbeat is a statement
    const bare = await running(queue, null);
    await ageLease(bare.jobId, 5_000);
    await queue.heartbeat(bare);
    expect((await row(bare.jobId)).lease_ms).toBeGreaterThan(25_000);

    const lease = await running(queue); // the claim into DENOISING extended the lease just now
    await steps(queue, lease, 1, 3);
    await ageLease(lease.jobId, 5_000); // so a statement would show: it would move the lease back to 30 s
    expect(await queue.heartbeat(lease)).toEqual({ cancelRequested: false });
    expect((await row(lease.jobId)).lease_ms).toBeLessThan(5_001);

    await queue.checkpoint(lease, "checkpoints/x/3", 3); // a checkpoint is a row write too
    await ageLease(lease.jobId, 5_000);
    await queue.heartbeat(lease);
    expect((await row(lease.jobId)).lease_ms).toBeLessThan(5_001);
    await queue.complete(lease, { key: "videos/x" }, {});
  });

  it("a heartbeat is a statement when the window is empty (heartbeat = half the lease) or the lane's write is older", async () => {
    const tight = new JobQueue(pool, bus, config(2_000, 1_000)); // leaseMs - 2 x heartbeatMs = 0
    const lease = await running(tight);
    await steps(tight, lease, 1, 2);
    await ageLease(lease.jobId, 500);
    await tight.heartbeat(lease);
    expect((await row(lease.jobId)).lease_ms).toBeGreaterThan(1_500);

    const short = new JobQueue(pool, bus, config(1_400, 500)); // window 400 ms
    const other = await running(short);
    await steps(short, other, 1, 2);
    await new Promise((resolve) => setTimeout(resolve, 450));
    await ageLease(other.jobId, 100);
    await short.heartbeat(other);
    expect((await row(other.jobId)).lease_ms).toBeGreaterThan(1_000);
  });

  it("a cancel the checkpoint's statement read stops the next step; a cancel event makes the heartbeat read the row", async () => {
    const queue = new JobQueue(pool, bus, config(30_000, 10_000));
    const lease = await running(queue);
    await steps(queue, lease, 1, 2);
    // set behind the queue's back (no event): only a statement can learn it
    await pool.query(`UPDATE jobs SET cancel_requested_at = now() WHERE id = $1`, [lease.jobId]);
    await queue.checkpoint(lease, "checkpoints/x/2", 2);
    expect(await queue.step(lease, { stage: "DENOISING", stepsCompleted: 3 }, 30)).toEqual({ cancelRequested: true });

    const second = await running(queue);
    await steps(queue, second, 1, 2);
    await pool.query(`UPDATE jobs SET cancel_requested_at = now() WHERE id = $1`, [second.jobId]);
    await bus.publish({ kind: "job", jobId: second.jobId, status: "RUNNING", stage: "DENOISING" }); // what the API's cancel announces
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await queue.heartbeat(second)).toEqual({ cancelRequested: true });
  });

  it("a superseded lease: the checkpoint is refused and writes nothing; the next heartbeat is a statement and is refused", async () => {
    const queue = new JobQueue(pool, bus, config(30_000, 10_000));
    const lease = await running(queue);
    await steps(queue, lease, 1, 4);
    await pool.query(`UPDATE jobs SET fencing_token = fencing_token + 1 WHERE id = $1`, [lease.jobId]); // another owner
    await expect(queue.checkpoint(lease, "checkpoints/x/4", 4)).rejects.toBeInstanceOf(LeaseLostError);
    const after = await row(lease.jobId);
    expect(after.checkpoint).toBeNull();
    expect(after.steps_completed).toBe(0);
    await expect(queue.heartbeat(lease)).rejects.toBeInstanceOf(LeaseLostError);
  });
});

describe("a lane opened while a non-step event was heard", () => {
  // The claim (or a synchronous write) that opens a lane reads the row; a cancel committed after that read
  // is announced after it, and its event can be handled before the claim's result: the lane must not
  // then let the first step skip the row.
  const pipeline = () => new StepPipeline(new EventBatcher(new MemoryEventBus(), () => {}), async () => ({ cancel_requested: false }), 60_000, 60_000);
  const write = { stage: "DENOISING" as const, stepsCompleted: 1 };
  const event = (jobId: string): JobEvent => ({ kind: "job", jobId, status: "RUNNING", stage: "DENOISING", progressOnly: true, stepsCompleted: 1 });

  it("a cancel's event heard during the claim: the first step is synchronous", () => {
    const steps = pipeline();
    const began = performance.now();
    steps.recheck("job-a"); // no lane yet
    steps.opened({ jobId: "job-a", fencingToken: 7 }, "DENOISING", false, began);
    expect(steps.step({ jobId: "job-a", fencingToken: 7 }, write, event("job-a"))).toBeNull();
    expect(steps.recentlyExtended({ jobId: "job-a", fencingToken: 7 }, 60_000)).toBeNull(); // nor does the heartbeat skip
  });

  it("a resync during the claim: the same", () => {
    const steps = pipeline();
    const began = performance.now();
    steps.recheck(null);
    steps.opened({ jobId: "job-b", fencingToken: 8 }, "DENOISING", false, began);
    expect(steps.step({ jobId: "job-b", fencingToken: 8 }, write, event("job-b"))).toBeNull();
  });

  it("the claim's own event, or an event from before the claim began, does not", () => {
    const steps = pipeline();
    steps.recheck("job-c"); // before the claim: the claim read its effect
    const began = performance.now() + 1e-3;
    while (performance.now() <= began); // strictly later
    steps.recheck("job-d", 9); // the claim's own NOTIFY (its token)
    steps.opened({ jobId: "job-c", fencingToken: 5 }, "DENOISING", false, began);
    steps.opened({ jobId: "job-d", fencingToken: 9 }, "DENOISING", false, began);
    expect(steps.step({ jobId: "job-c", fencingToken: 5 }, write, event("job-c"))).toEqual({ cancelRequested: false });
    expect(steps.step({ jobId: "job-d", fencingToken: 9 }, write, event("job-d"))).toEqual({ cancelRequested: false });
  });
});

describe("a synchronous write of the lease in flight (a checkpoint the stage does not wait for)", () => {
  // Two fenced writes of one lease must not race for the row: a step count written beside a checkpoint
  // that carries older steps could commit first, and the row's count would go back.
  const event = (step: number): JobEvent => ({ kind: "job", jobId: "job-e", status: "RUNNING", stage: "DENOISING", progressOnly: true, stepsCompleted: step });
  const write = (step: number) => ({ stage: "DENOISING" as const, stepsCompleted: step });
  const lease = { jobId: "job-e", fencingToken: 3 };

  it("steps taken meanwhile gather: no row write starts beside it, another synchronous write waits for it and carries them", async () => {
    const written: ProgressWrite[] = [];
    const steps = new StepPipeline(new EventBatcher(new MemoryEventBus(), () => {}), async (_lease, w) => { written.push(w); return { cancel_requested: false }; }, 20, 60_000);
    steps.opened(lease, "DENOISING", false, performance.now() - 100); // a row interval ago: a step would write at once
    expect(await steps.settle(lease)).toBeNull(); // the checkpoint's statement begins
    expect(steps.step(lease, write(11), event(11))).toEqual({ cancelRequested: false });
    expect(steps.step(lease, write(12), event(12))).toEqual({ cancelRequested: false });
    await sleep(60); // past the row interval: neither a step nor the trailing timer wrote
    expect(written).toEqual([]);
    let settled = false;
    const next = steps.settle(lease).then((carried) => { settled = true; return carried; });
    await sleep(20);
    expect(settled).toBe(false); // waits for the checkpoint's end
    steps.wrote(lease, performance.now(), { cancelRequested: true });
    expect(await next).toMatchObject({ stepsCompleted: 12 });
    steps.wrote(lease, performance.now(), { cancelRequested: false });
    expect(written).toEqual([]);
  });

  it("two synchronous writes asked for at once, while a publish is in flight: one holds the lane, the other waits for its end", async () => {
    // Both flushes wait for the same publish; they resume in one burst of microtasks, and a hold taken
    // after the flush would be taken by both.
    let published!: () => void;
    const publishing = new Promise<void>((resolve) => (published = resolve));
    const bus = { publish: () => publishing } as unknown as MemoryEventBus;
    const written: ProgressWrite[] = [];
    const steps = new StepPipeline(new EventBatcher(bus, () => {}), async (_lease, w) => { written.push(w); return { cancel_requested: false }; }, 20, 60_000);
    steps.opened(lease, "DENOISING", false, performance.now());
    steps.step(lease, write(7), event(7));
    await sleep(5); // the event is handed to the bus; its publish is in flight
    const first = steps.settle(lease); // a checkpoint in the background
    let secondDone = false;
    const second = steps.settle(lease).then((carried) => { secondDone = true; return carried; }); // the loop's synchronous write
    published();
    expect(await first).toMatchObject({ stepsCompleted: 7 });
    steps.step(lease, write(8), event(8)); // a step while the checkpoint's statement runs
    await sleep(20);
    expect(secondDone).toBe(false);
    steps.wrote(lease, performance.now(), { cancelRequested: false });
    expect(await second).toMatchObject({ stepsCompleted: 8 });
    steps.closed(lease);
    expect(written).toEqual([]);
  });

  it("its end hands the steps taken meanwhile to the trailing row write, and the cancel flag it read to the next step", async () => {
    const written: ProgressWrite[] = [];
    const steps = new StepPipeline(new EventBatcher(new MemoryEventBus(), () => {}), async (_lease, w) => { written.push(w); return { cancel_requested: false }; }, 20, 60_000);
    steps.opened(lease, "DENOISING", false, performance.now());
    await steps.settle(lease);
    steps.step(lease, write(21), event(21));
    steps.wrote(lease, performance.now(), { cancelRequested: true });
    expect(steps.step(lease, write(22), event(22))).toEqual({ cancelRequested: true });
    expect(written).toEqual([]);
    await sleep(60);
    expect(written.map((w) => w.stepsCompleted)).toEqual([22]); // 21 and 22 in one write
  });

  it("a failed one gives its carried steps back to the lane; a lost lease stops the next step", async () => {
    const written: ProgressWrite[] = [];
    const steps = new StepPipeline(new EventBatcher(new MemoryEventBus(), () => {}), async (_lease, w) => { written.push(w); return { cancel_requested: false }; }, 20, 60_000);
    steps.opened(lease, "DENOISING", false, performance.now());
    steps.step(lease, write(1), event(1));
    const carried = await steps.settle(lease);
    steps.step(lease, write(2), event(2));
    steps.wrote(lease, performance.now(), { failed: new Error("connection reset"), carried });
    await sleep(60);
    expect(written.map((w) => w.stepsCompleted)).toEqual([2]);
    await steps.settle(lease);
    steps.wrote(lease, performance.now(), { failed: new LeaseLostError(lease.jobId, lease.fencingToken, "recordCheckpoint"), carried: null });
    expect(() => steps.step(lease, write(3), event(3))).toThrow(LeaseLostError);
  });
});
