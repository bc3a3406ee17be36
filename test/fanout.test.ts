// Progress fan-out reads a job's row once per event, however many subscribers follow the job: N
// subscribers on one job, every statement the hub sends counted at its two ports (the job reader and
// the SQL interface), against the real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { ProgressHub, type JobProgressEvent } from "../src/api/progress.js";
import type { Sql } from "../src/db/pool.js";

const SUBSCRIBERS = 25;
let db: TestDatabase;
let app: TestKinema;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe("progress fan-out", () => {
  it(`reads the job row once per event with ${SUBSCRIBERS} subscribers on one job, not once per subscriber`, async () => {
    const user = await app.account("FREE");
    const { generateVideo } = await user.client.data(GENERATE, { input: { prompt: "a red dot blinking", durationSeconds: 1, resolution: "R480P" } });
    const jobId: string = generateVideo.job.id;
    const account = (await app.kinema.accounts.authenticate(user.key))!;

    // A hub of our own on its own bus, whose reads we count; the database is the real one.
    const counts = { jobReads: 0, sql: 0 };
    const jobs = app.kinema.jobs;
    const reader = { getById: (id: string) => { counts.jobReads++; return jobs.getById(id); } };
    const sql: Sql = { query: (text: any, values?: any) => { counts.sql++; return app.kinema.pool.query(text, values) as never; } };
    const bus = new MemoryEventBus();
    const hub = new ProgressHub(bus, reader, sql);
    const streams = Array.from({ length: SUBSCRIBERS }, () => {
      const events: JobProgressEvent[] = [];
      const iterator = hub.follow(account, jobId);
      const done = (async () => { for await (const e of iterator) events.push(e); })();
      return { events, done };
    });
    try {
      await waitFor(async () => streams.every((s) => s.events.length === 1), 10_000, "every first event");
      // Starting together, they shared their first read too (one, or two if the first began before all registered).
      expect(counts.jobReads).toBeLessThanOrEqual(2);
      // Let queue-stat and position reads of the subscriptions' start settle before counting.
      await new Promise((r) => setTimeout(r, 2_500));
      const pool = app.kinema.pool;

      // A claim: the row changes and the event says so (not a progress-only event, so it is re-read).
      counts.jobReads = 0;
      counts.sql = 0;
      await pool.query(`UPDATE jobs SET status = 'RUNNING', stage = 'DENOISING', attempts = 1, fencing_token = 7, started_at = now() WHERE id = $1`, [jobId]);
      await bus.publish({ kind: "job", jobId, status: "RUNNING", stage: "DENOISING", queueChanged: true });
      await waitFor(async () => streams.every((s) => s.events.at(-1)?.job.status === "RUNNING"), 10_000, "every subscriber to see RUNNING");
      expect(counts.jobReads).toBe(1);
      const afterClaim = counts.sql;

      // Progress-only events are applied without a read at all.
      counts.jobReads = 0;
      for (let step = 1; step <= 3; step++) {
        await bus.publish({ kind: "job", jobId, status: "RUNNING", stage: "DENOISING", stepsCompleted: step, totalSteps: 30, fencingToken: 7, progressOnly: true });
      }
      await waitFor(async () => streams.every((s) => s.events.at(-1)?.job.stepsCompleted === 3), 10_000, "every step");
      expect(counts.jobReads).toBe(0);

      // The end: one read, and every stream completes with it.
      await pool.query(`UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', steps_completed = 30, finished_at = now() WHERE id = $1`, [jobId]);
      await bus.publish({ kind: "job", jobId, status: "SUCCEEDED", stage: "DONE" });
      await Promise.all(streams.map((s) => s.done));
      expect(counts.jobReads).toBe(1);
      expect(streams.every((s) => s.events.at(-1)!.job.status === "SUCCEEDED")).toBe(true);
      // Positions and ETA inputs are shared as well: a handful of statements per event, not per subscriber.
      expect(afterClaim).toBeLessThanOrEqual(3);
      expect(counts.sql).toBeLessThanOrEqual(afterClaim + 3);
      expect(hub.subscriberCount).toBe(0);
    } finally {
      hub.close();
    }
  });

  it("never hands one account's job to another account's subscription through the shared read", async () => {
    const owner = await app.account("FREE");
    const other = await app.account("FREE");
    const { generateVideo } = await owner.client.data(GENERATE, { input: { prompt: "a red dot blinking", durationSeconds: 1, resolution: "R480P" } });
    const bus = new MemoryEventBus();
    const hub = new ProgressHub(bus, app.kinema.jobs, app.kinema.pool);
    const ownerAccount = (await app.kinema.accounts.authenticate(owner.key))!;
    const otherAccount = (await app.kinema.accounts.authenticate(other.key))!;
    // A forged follow of someone else's job (the resolver asks the hub, which checks the owner): it ends
    // at once with no event, while the owner's own follow of the same job on the same hub runs.
    const events: JobProgressEvent[] = [];
    const stop = new AbortController();
    const forged = hub.follow(otherAccount, generateVideo.job.id, stop.signal);
    const done = (async () => { for await (const e of forged) events.push(e); })();
    const mine: JobProgressEvent[] = [];
    const own = hub.follow(ownerAccount, generateVideo.job.id, stop.signal);
    const ownDone = (async () => { for await (const e of own) mine.push(e); })();
    await waitFor(async () => mine.length === 1, 5_000, "the owner's first event");
    await done; // ended by itself
    expect(events).toEqual([]);
    expect(hub.subscriberCount).toBe(1);
    await app.kinema.pool.query(`UPDATE jobs SET status = 'CANCELLED', stage = 'QUEUED', prompt = 'changed', finished_at = now() WHERE id = $1`, [generateVideo.job.id]);
    await bus.publish({ kind: "job", jobId: generateVideo.job.id, status: "CANCELLED", stage: "QUEUED" });
    await waitFor(async () => mine.at(-1)?.job.prompt === "changed", 5_000, "the owner's event with the changed row");
    expect(events).toEqual([]);
    stop.abort();
    await Promise.all([done, ownDone]);
    hub.close();
  });
});
