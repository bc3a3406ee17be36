// The pipelined step path (src/queue/step-pipeline.ts): every step's event reaches a listener in another
// process's bus, in order and before the job's end; the row takes the count only every progressRowMs and
// catches up at the next synchronous write; a superseded lease is told at its next step once a row write
// was refused, and never changes the row. With a gather (stepGatherMs), the step events of the process's
// jobs share one NOTIFY transaction, every one still delivered, and a synchronous write sends them at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool, type Sql } from "../src/db/pool.js";
import type { JobEvent } from "../src/events/bus.js";
import { PgEventBus } from "../src/events/pg.js";
import { LeaseLostError } from "../src/queue/errors.js";
import { JobQueue, type QueueConfig } from "../src/queue/queue.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount, insertJobs } from "../bench/lib/db.js";

let db: TestDatabase;
let pool: pg.Pool;
let writerBus: PgEventBus;
let listenerBus: PgEventBus;
const heard: JobEvent[] = [];
const config = (progressRowMs: number, stepGatherMs = 0): QueueConfig => ({
  leaseMs: 30_000, heartbeatMs: 10_000, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 10, progressRowMs, stepGatherMs,
});

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  writerBus = await PgEventBus.connect(db.url, pool);
  listenerBus = await PgEventBus.connect(db.url, pool);
  listenerBus.subscribe((event) => { if (event.kind === "job") heard.push(event); });
});
afterAll(async () => {
  await writerBus?.close();
  await listenerBus?.close();
  await pool?.end();
  await db?.drop();
});

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const stepsOf = (jobId: string) => heard.filter((e) => e.jobId === jobId && e.progressOnly).map((e) => e.stepsCompleted);
const rowSteps = async (jobId: string) => (await pool.query(`SELECT steps_completed FROM jobs WHERE id = $1`, [jobId])).rows[0].steps_completed as number;

describe("pipelined steps", () => {
  it("publishes every step in order before the end, while the row takes the count only at its interval and at the end", async () => {
    const queue = new JobQueue(pool, writerBus, config(60_000));
    await insertJobs(pool, await insertAccount(pool), 1, 30);
    const job = (await queue.claim("w-steps", "DENOISING"))!;
    const lease = { jobId: job.id, fencingToken: job.fencingToken };
    for (let step = 1; step <= 30; step++) {
      expect(await queue.step(lease, { stage: "DENOISING", stepsCompleted: step, progress: { etaSeconds: 30 - step } }, 30)).toEqual({ cancelRequested: false });
    }
    // the claim into DENOISING opened the lane: every step waits for the row interval (60 s)
    expect(await rowSteps(job.id)).toBe(0);
    await waitFor(() => stepsOf(job.id).length === 30, "all 30 step events");
    expect(stepsOf(job.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(heard.filter((e) => e.jobId === job.id && e.progressOnly).every((e) => e.fencingToken === job.fencingToken && e.status === "RUNNING")).toBe(true);

    await queue.complete(lease, { key: "videos/x" }, {});
    expect(await rowSteps(job.id)).toBe(30); // the unwritten steps were written before the completion
    await waitFor(() => heard.some((e) => e.jobId === job.id && e.status === "SUCCEEDED"), "the completion event");
    const events = heard.filter((e) => e.jobId === job.id);
    expect(events.findIndex((e) => e.status === "SUCCEEDED")).toBe(events.length - 1); // no step after the end
  });

  it("a synchronous write (another stage) carries the unwritten steps, after their events", async () => {
    const queue = new JobQueue(pool, writerBus, config(60_000));
    await insertJobs(pool, await insertAccount(pool), 1, 30);
    const job = (await queue.claim("w-stage", "DENOISING"))!;
    const lease = { jobId: job.id, fencingToken: job.fencingToken };
    for (let step = 1; step <= 12; step++) await queue.step(lease, { stage: "DENOISING", stepsCompleted: step }, 30);
    await queue.progress(lease, { stage: "DECODING" }, 30);
    const { rows } = await pool.query(`SELECT stage, steps_completed FROM jobs WHERE id = $1`, [job.id]);
    expect(rows[0]).toEqual({ stage: "DECODING", steps_completed: 12 });
    await waitFor(() => heard.some((e) => e.jobId === job.id && e.stage === "DECODING"), "the stage change");
    const events = heard.filter((e) => e.jobId === job.id);
    expect(events.findIndex((e) => e.stage === "DECODING")).toBeGreaterThan(events.findIndex((e) => e.stepsCompleted === 12));
    await queue.complete(lease, null, {});
  });

  it("a superseded lease learns it at its next step and never writes the row", async () => {
    const queue = new JobQueue(pool, writerBus, config(0)); // a row write per step: the refusal comes at once
    await insertJobs(pool, await insertAccount(pool), 1, 30);
    const job = (await queue.claim("w-stale", "DENOISING"))!;
    const stale = { jobId: job.id, fencingToken: job.fencingToken };
    await queue.step(stale, { stage: "DENOISING", stepsCompleted: 1 }, 30);
    await queue.step(stale, { stage: "DENOISING", stepsCompleted: 2 }, 30);
    await new Promise((resolve) => setTimeout(resolve, 200)); // its background row write lands first
    // swept and claimed by another worker
    await pool.query(`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [job.id]);
    expect(await queue.sweep()).toBe(1);
    const owner = (await queue.claim("w-owner", "DENOISING"))!;
    expect(owner.fencingToken).toBeGreaterThan(job.fencingToken);
    const before = await rowSteps(job.id);

    // the step after the refused row write throws; nothing of the stale lease reaches the row
    let refused: unknown = null;
    for (let step = 3; step <= 10 && !refused; step++) {
      await queue.step(stale, { stage: "DENOISING", stepsCompleted: step }, 30).catch((error: unknown) => (refused = error));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(refused).toBeInstanceOf(LeaseLostError);
    expect(await rowSteps(job.id)).toBe(before);
    await expect(queue.complete(stale, null, {})).rejects.toBeInstanceOf(LeaseLostError);
    await queue.complete({ jobId: owner.id, fencingToken: owner.fencingToken }, null, {});
  });

  it("step events go on their own channel: a worker process's bus (steps: false) hears the claim and the end, not the steps", async () => {
    const workerBus = await PgEventBus.connect(db.url, pool, { steps: false });
    const workerHeard: JobEvent[] = [];
    workerBus.subscribe((event) => { if (event.kind === "job") workerHeard.push(event); });
    try {
      const queue = new JobQueue(pool, writerBus, config(60_000));
      await insertJobs(pool, await insertAccount(pool), 1, 30);
      const job = (await queue.claim("w-channels", "DENOISING"))!;
      const lease = { jobId: job.id, fencingToken: job.fencingToken };
      for (let step = 1; step <= 5; step++) await queue.step(lease, { stage: "DENOISING", stepsCompleted: step }, 30);
      await queue.progress(lease, { stage: "DENOISING", stepsCompleted: 6, progress: { previewKey: "previews/x/6.png" } }, 30); // a synchronous step
      await queue.complete(lease, { key: "videos/x" }, {});
      await waitFor(() => workerHeard.some((e) => e.jobId === job.id && e.status === "SUCCEEDED"), "the end, on the worker's bus");
      await waitFor(() => heard.some((e) => e.jobId === job.id && e.status === "SUCCEEDED"), "the end, on the API's bus");
      const mine = workerHeard.filter((e) => e.jobId === job.id);
      expect(mine.map((e) => e.status)).toEqual(["RUNNING", "SUCCEEDED"]); // the claim, the end
      expect(mine.some((e) => e.progressOnly)).toBe(false);
      // the API's bus: every step, pipelined and synchronous, in order, and nothing after the end
      expect(stepsOf(job.id)).toEqual([1, 2, 3, 4, 5, 6]);
      const all = heard.filter((e) => e.jobId === job.id);
      expect(all.findIndex((e) => e.status === "SUCCEEDED")).toBe(all.length - 1);
    } finally {
      await workerBus.close();
    }
  });

  describe("gathered step events", () => {
    /** A bus whose NOTIFY transactions are counted (publishEvents statements). */
    async function countingBus(): Promise<{ bus: PgEventBus; publishes: () => number; reset: () => void }> {
      let n = 0;
      const sql: Sql = {
        query(text, values) {
          if ((typeof text === "string" ? text : text.text).includes("publishEvents")) n++;
          return pool.query(text as never, values as never) as never;
        },
      };
      return { bus: await PgEventBus.connect(db.url, sql), publishes: () => n, reset: () => { n = 0; } };
    }

    async function claimRunning(queue: JobQueue, count: number) {
      const accounts = await Promise.all(Array.from({ length: count }, () => insertAccount(pool)));
      await insertJobs(pool, accounts, count, 30);
      const leases: { jobId: string; fencingToken: number }[] = [];
      for (let i = 0; i < count; i++) {
        const job = (await queue.claim(`w-gather-${i}`, "DENOISING"))!;
        leases.push({ jobId: job.id, fencingToken: job.fencingToken });
      }
      // The claims' events come back through the bus and would mark a lane for a recheck (its next step
      // synchronous): the lanes are opened once they are heard, by synchronous writes of steps 1 and 2.
      await waitFor(() => leases.every((l) => heard.some((e) => e.jobId === l.jobId && e.status === "RUNNING" && !e.progressOnly)), "the claims' events");
      await new Promise((resolve) => setTimeout(resolve, 50)); // the writer's own bus hears them too
      for (const step of [1, 2]) for (const lease of leases) await queue.progress(lease, { stage: "DENOISING", stepsCompleted: step }, 30);
      await waitFor(() => leases.every((l) => stepsOf(l.jobId).length === 2), "steps 1 and 2");
      return leases;
    }

    it("sends the steps of several jobs gathered in one transaction, every one delivered in order", async () => {
      const { bus, publishes, reset } = await countingBus();
      try {
        const queue = new JobQueue(pool, bus, config(60_000, 300));
        const leases = await claimRunning(queue, 4);
        reset();
        for (let step = 3; step <= 5; step++) for (const lease of leases) await queue.step(lease, { stage: "DENOISING", stepsCompleted: step }, 30);
        await waitFor(() => leases.every((l) => stepsOf(l.jobId).length === 5), "every step of every job");
        for (const lease of leases) expect(stepsOf(lease.jobId)).toEqual([1, 2, 3, 4, 5]);
        expect(publishes()).toBe(1); // 12 step events of 4 jobs, one NOTIFY transaction
        for (const lease of leases) await queue.complete(lease, null, {});
      } finally {
        await bus.close();
      }
    });

    it("a synchronous write sends the gathered steps at once, before its own event", async () => {
      const { bus, publishes, reset } = await countingBus();
      try {
        const queue = new JobQueue(pool, bus, config(60_000, 60_000)); // the gather alone would hold them a minute
        const leases = await claimRunning(queue, 2);
        reset();
        for (const lease of leases) await queue.step(lease, { stage: "DENOISING", stepsCompleted: 3 }, 30);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(publishes()).toBe(0); // still gathered
        await queue.progress(leases[0]!, { stage: "DECODING" }, 30);
        expect(publishes()).toBe(1); // both jobs' steps went with the flush
        await waitFor(() => leases.every((l) => stepsOf(l.jobId).length === 3), "the gathered steps");
        await waitFor(() => heard.some((e) => e.jobId === leases[0]!.jobId && e.stage === "DECODING"), "the stage change");
        const events = heard.filter((e) => e.jobId === leases[0]!.jobId);
        expect(events.findIndex((e) => e.stage === "DECODING")).toBeGreaterThan(events.findIndex((e) => e.stepsCompleted === 3));
        for (const lease of leases) await queue.complete(lease, null, {});
      } finally {
        await bus.close();
      }
    });
  });
});
