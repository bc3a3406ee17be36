// The durable job timeline (job_events, appended by the jobs trigger of 0008) through the real API, real
// PostgreSQL and real worker processes: a job whose worker was SIGKILLed mid-denoise shows both attempts,
// the lease loss, the resume step and the stage durations; a prompt blocked by the pre-filter shows the
// decision (its rule only to staff); a cancelled job shows who cancelled, and keeps its events once the
// owner deletes it; the owner's view never carries worker ids; another account gets null; a stale
// worker's refused writes add no event; NaN, retry, hand-back and a running job's cancel are recorded
// while per-step writes add nothing; a page of jobs loads its timelines in one statement, each QUEUED
// event with its position at the time.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { JobError, LeaseLostError } from "../src/queue/errors.js";
import { JobQueue } from "../src/queue/queue.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { withEngine } from "./helpers/engine.js";
import { killAll, spawnWorker, type WorkerProcess } from "./helpers/processes.js";

let db: TestDatabase;
let app: TestKinema;
let pool: pg.Pool;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // The API only: the jobs are run by worker processes the tests start (or by nobody).
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_ALARM_INTERVAL_MS: "0" } });
  pool = createPool(db.url, 2);
}, 120_000);
const killWorkers = () => killAll(workers);
afterEach(killWorkers);
afterAll(async () => {
  await killWorkers();
  await app?.stop();
  await pool?.end();
  await db?.drop();
});

const OWNER_VIEW = `query($id: ID!) { job(id: $id) {
  id status timeInSystemSeconds
  timeline { at kind attempt stage message durationSeconds step }
  attemptHistory { number startedAt endedAt outcome errorCode stepsCompleted }
} }`;

const STAFF_VIEW = `query($id: ID!) { staffJob(id: $id) {
  timeline { workerId fencingToken detail event { kind attempt stage step durationSeconds message } }
  attemptHistory { workerId fencingToken attempt { number outcome errorCode stepsCompleted } }
} }`;

type OwnerEvent = { at?: string; kind: string; attempt: number | null; stage: string | null; message: string; durationSeconds: number | null; step: number | null };
type StaffEvent = { workerId: string | null; fencingToken: string | null; detail: string; event: OwnerEvent };

async function submit(client: TestKinema["client"] extends (k: string) => infer C ? C : never, prompt: string) {
  const { generateVideo } = await client.data(GENERATE, { input: { prompt, durationSeconds: 1, resolution: "R480P" } });
  return generateVideo as { job: { id: string } | null; userErrors: { code: string }[] };
}

async function eventCount(id: string): Promise<number> {
  return (await pool.query(`SELECT count(*)::int AS n FROM job_events WHERE job_id = $1`, [id])).rows[0].n;
}

describe("job timeline", () => {
  it("a job whose worker was SIGKILLed mid-denoise shows both attempts, the lease loss, the resume step and stage durations", async () => {
    const owner = await app.account("PLUS");
    const stranger = await app.account("PLUS");
    const support = await app.account("PLUS", "SUPPORT");
    const { job } = await submit(owner.client, "a white circle bouncing");
    const id = job!.id;

    // The fixture pipeline (test/fixtures/stages.ts) in real worker processes: DENOISING with a checkpoint
    // every 5 steps, then UPLOADING; a short lease so the dead worker's job is swept in seconds.
    const env = { TEST_STAGES: "stepping", TEST_MS_PER_STEP: "100", KINEMA_LEASE_MS: "3000", KINEMA_HEARTBEAT_MS: "500", KINEMA_SWEEP_MS: "200" };
    const victim = spawnWorker(db.url, "victim-w", env);
    workers.push(victim);
    const claimed = await waitFor(async () => {
      const { rows } = await pool.query(`SELECT fencing_token, checkpoint FROM jobs WHERE id = $1 AND lease_owner = 'victim-w' AND steps_completed >= 7`, [id]);
      return rows[0];
    }, 60_000, "the victim to pass its first checkpoint");
    victim.child.kill("SIGKILL");
    await victim.exited;
    const checkpointStep = (await pool.query(`SELECT (checkpoint->>'step')::int AS step FROM jobs WHERE id = $1`, [id])).rows[0].step as number;
    expect(checkpointStep).toBeGreaterThanOrEqual(5);

    const rescuer = spawnWorker(db.url, "rescuer-w", env);
    workers.push(rescuer);
    await waitFor(async () => (await pool.query(`SELECT status FROM jobs WHERE id = $1`, [id])).rows[0].status === "SUCCEEDED", 90_000, "the rescuer to finish");
    rescuer.child.kill("SIGTERM");
    expect(await rescuer.exited).toBe(0);
    const { step_budget: budget, metadata } = (await pool.query(`SELECT step_budget, metadata FROM jobs WHERE id = $1`, [id])).rows[0];
    expect(metadata.fixtureFirstStep).toBe(checkpointStep + 1); // the rescuer did resume from that checkpoint

    // The owner's view.
    const ownerRes = await owner.client.request(OWNER_VIEW, { id });
    expect(ownerRes.errors).toBeUndefined();
    const view = ownerRes.data.job;
    const timeline = view.timeline as OwnerEvent[];
    const kinds = timeline.map((e) => e.kind);
    expect(kinds.slice(0, 3)).toEqual(["SUBMITTED", "PREFILTER_DECISION", "QUEUED"]);
    expect(kinds.filter((k) => k === "CLAIMED")).toHaveLength(2);
    const lost = timeline.find((e) => e.kind === "LEASE_LOST")!;
    expect(lost).toMatchObject({ attempt: 1, stage: "DENOISING" });
    expect(lost.step).toBeGreaterThanOrEqual(7);
    expect(timeline.find((e) => e.kind === "RETRY_SCHEDULED")).toMatchObject({ attempt: 1 });
    expect(timeline.find((e) => e.kind === "RESUMED")).toMatchObject({ attempt: 2, step: checkpointStep, message: `Resumed from step ${checkpointStep}` });
    // the checkpoints of both runs: the victim's at 5 (10, ...), the rescuer's after its resume step
    const checkpoints = timeline.filter((e) => e.kind === "CHECKPOINT_WRITTEN");
    expect(checkpoints.filter((e) => e.attempt === 1).map((e) => e.step)).toContain(checkpointStep);
    expect(checkpoints.filter((e) => e.attempt === 2).every((e) => e.step! > checkpointStep)).toBe(true);
    // Stage durations: the queue wait before each claim, denoising in each attempt (the first one until
    // the sweep noticed the dead worker), upload in the second.
    const left = timeline.filter((e) => e.kind === "STAGE_LEFT");
    expect(left.map((e) => `${e.attempt}:${e.stage}`)).toEqual(["null:QUEUED", "1:DENOISING", "1:QUEUED", "2:DENOISING", "2:UPLOADING"]);
    for (const e of left) expect(e.durationSeconds).toBeGreaterThanOrEqual(0);
    // each attempt denoised for at least its steps at 100 ms a step
    expect(left[1]!.durationSeconds).toBeGreaterThan(0.6);
    expect(left[3]!.durationSeconds).toBeGreaterThan((budget - checkpointStep) * 0.1 * 0.9);
    expect(left[3]!.message).toMatch(/^Denoising took \d+\.\d s$/);
    expect(kinds.slice(-3)).toEqual(["STAGE_LEFT", "UPLOADED", "FINISHED"]);
    expect(timeline.at(-1)).toMatchObject({ attempt: 2, message: "Finished: SUCCEEDED" });
    expect(timeline.at(-1)!.durationSeconds).toBeGreaterThan(0);

    expect(view.attemptHistory).toEqual([
      expect.objectContaining({ number: 1, outcome: "LEASE_LOST", errorCode: "LEASE_EXPIRED", stepsCompleted: lost.step }),
      expect.objectContaining({ number: 2, outcome: "SUCCEEDED", errorCode: null, stepsCompleted: budget }),
    ]);
    for (const a of view.attemptHistory) expect(new Date(a.endedAt).getTime()).toBeGreaterThanOrEqual(new Date(a.startedAt).getTime());
    const row = (await pool.query(`SELECT created_at, finished_at FROM jobs WHERE id = $1`, [id])).rows[0];
    expect(view.timeInSystemSeconds).toBeCloseTo((row.finished_at.getTime() - row.created_at.getTime()) / 1000, 2);
    // No worker ids or fencing tokens anywhere in the owner's answer.
    const ownerText = JSON.stringify(ownerRes.data);
    expect(ownerText).not.toContain("victim-w");
    expect(ownerText).not.toContain("rescuer-w");
    expect(ownerText).not.toMatch(/workerId|fencingToken|leaseOwner|detail/);

    // Another account's USER key: the job does not exist for it.
    expect((await stranger.client.request(OWNER_VIEW, { id })).data).toEqual({ job: null });

    // The staff view: workers and tokens per attempt, the lease loss attributed to the dead worker.
    const staff = (await support.client.data(STAFF_VIEW, { id })).staffJob;
    expect(staff.attemptHistory.map((a: { workerId: string }) => a.workerId)).toEqual(["victim-w", "rescuer-w"]);
    expect(staff.attemptHistory[0]).toMatchObject({ fencingToken: String(claimed.fencing_token), attempt: { outcome: "LEASE_LOST" } });
    const staffLost = (staff.timeline as StaffEvent[]).find((e) => e.event.kind === "LEASE_LOST")!;
    expect(staffLost).toMatchObject({ workerId: "victim-w", fencingToken: String(claimed.fencing_token) });
    expect(JSON.parse(staffLost.detail).attemptEnd).toMatchObject({ outcome: "LEASE_LOST", errorCode: "LEASE_EXPIRED" });
    expect((staff.timeline as StaffEvent[]).map((e) => e.event)).toEqual(timeline.map(({ at: _at, ...rest }) => rest));

    // The dead worker's writes, replayed with its stale token, are refused and add no event.
    const before = await eventCount(id);
    const queue = new JobQueue(pool, new MemoryEventBus(), { leaseMs: 1500, heartbeatMs: 500, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 10 });
    const stale = { jobId: id, fencingToken: Number(claimed.fencing_token) };
    await expect(queue.progress(stale, { stage: "DECODING", stepsCompleted: 9 }, budget)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.checkpoint(stale, "stale/checkpoint", 10)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.fail(stale, 1, new JobError("NAN_DETECTED", "non-finite values", true))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(queue.complete(stale, { key: "from-the-dead" }, {})).rejects.toBeInstanceOf(LeaseLostError);
    expect(await eventCount(id)).toBe(before);
  }, 240_000);

  it("a prompt blocked by the pre-filter shows the decision; its rule only to staff", async () => {
    const owner = await app.account("PLUS");
    const support = await app.account("PLUS", "SUPPORT");
    const refused = await submit(owner.client, "porn video of a beach");
    expect(refused).toMatchObject({ job: null, userErrors: [{ code: "PROMPT_BLOCKED" }] });
    const { jobs } = await owner.client.data(`{ jobs(first: 5) { nodes { id status timeInSystemSeconds attemptHistory { number }
      timeline { kind stage attempt message } } } }`);
    const blocked = jobs.nodes[0];
    expect(blocked).toMatchObject({ status: "BLOCKED", timeInSystemSeconds: null, attemptHistory: [] });
    expect(blocked.timeline.map((e: OwnerEvent) => e.kind)).toEqual(["SUBMITTED", "PREFILTER_DECISION", "FINISHED"]);
    expect(blocked.timeline[1]).toMatchObject({ stage: "PREFILTER", attempt: null, message: "The prompt was blocked by the safety check (category: SEXUAL)" });

    const staff = (await support.client.data(STAFF_VIEW, { id: blocked.id })).staffJob;
    const decision = JSON.parse((staff.timeline as StaffEvent[])[1]!.detail);
    expect(decision).toMatchObject({ verdict: "blocked", category: "SEXUAL", ruleSetVersion: expect.any(Number), ruleId: expect.any(String) });
    expect(decision.ruleId.length).toBeGreaterThan(0);
    // The rule is in no field of the owner's view: the decision's message (asserted whole above) names
    // the category only, and no field carries a rule id or the rule-set version.
    expect(JSON.stringify(blocked)).not.toMatch(/rule/i);
  }, 60_000);

  it("a cancelled job shows who cancelled it: its owner or staff", async () => {
    const owner = await app.account("PLUS");
    const support = await app.account("PLUS", "SUPPORT");
    // No worker runs: both jobs stay queued until cancelled.
    const mine = (await submit(owner.client, "a red square"))!.job!.id;
    const theirs = (await submit(owner.client, "a blue square"))!.job!.id;
    await owner.client.data(`mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`, { id: mine });
    const staffCancel = await support.client.data(`mutation($id: ID!, $r: String!) { staffCancelJob(id: $id, reason: $r) { userErrors { code } } }`,
      { id: theirs, r: "customer asked by email" });
    expect(staffCancel.staffCancelJob.userErrors).toEqual([]);

    const tail = async (id: string) => ((await owner.client.data(OWNER_VIEW, { id })).job.timeline as OwnerEvent[]).slice(-3);
    expect(await tail(mine)).toEqual([
      expect.objectContaining({ kind: "CANCEL_REQUESTED", message: "Cancel requested by you" }),
      expect.objectContaining({ kind: "CANCELLED", message: "Cancelled by you" }),
      expect.objectContaining({ kind: "FINISHED", message: "Finished: CANCELLED" }),
    ]);
    expect((await tail(theirs)).map((e) => e.message)).toEqual(["Cancel requested by Kinema support", "Cancelled by Kinema support", "Finished: CANCELLED"]);
    // Staff see which staff account and why.
    const staff = (await support.client.data(STAFF_VIEW, { id: theirs })).staffJob.timeline as StaffEvent[];
    const cancelled = staff.find((e) => e.event.kind === "CANCELLED")!;
    expect(JSON.parse(cancelled.detail)).toMatchObject({ by: "staff", accountId: support.id, role: "SUPPORT", reason: "customer asked by email" });
    const ownCancel = ((await support.client.data(STAFF_VIEW, { id: mine })).staffJob.timeline as StaffEvent[]).find((e) => e.event.kind === "CANCELLED")!;
    expect(JSON.parse(ownCancel.detail)).toMatchObject({ by: "owner", accountId: owner.id });

    // Kept as long as the job: the owner's deletion leaves a tombstone row, and every event stays with it.
    const kept = ((await support.client.data(STAFF_VIEW, { id: mine })).staffJob.timeline as StaffEvent[]).map((e) => e.event);
    const deleted = await owner.client.data(`mutation($id: ID!) { deleteJob(id: $id) { job { deletedAt } userErrors { code } } }`, { id: mine });
    expect(deleted.deleteJob).toMatchObject({ userErrors: [], job: { deletedAt: expect.any(String) } });
    const after = ((await support.client.data(STAFF_VIEW, { id: mine })).staffJob.timeline as StaffEvent[]).map((e) => e.event);
    expect(after.slice(0, kept.length)).toEqual(kept);
    expect(((await owner.client.data(OWNER_VIEW, { id: mine })).job.timeline as OwnerEvent[]).length).toBe(after.length);
  }, 60_000);

  it("records a NaN, a retry with its backoff, a hand-back and a running job's cancel; the per-step write adds nothing", async () => {
    const owner = await app.account("PLUS");
    const support = await app.account("PLUS", "SUPPORT");
    const id = (await submit(owner.client, "a yellow triangle"))!.job!.id;
    const queue = new JobQueue(pool, new MemoryEventBus(), { leaseMs: 30_000, heartbeatMs: 500, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 1000 });
    const lease = (job: { id: string; fencingToken: number }) => ({ jobId: job.id, fencingToken: job.fencingToken });

    const first = (await queue.claim("w-a", "DENOISING"))!;
    expect(first.id).toBe(id);
    const before = await eventCount(id);
    for (let step = 1; step <= 3; step++) await queue.progress(lease(first), { stage: "DENOISING", stepsCompleted: step }, first.stepBudget);
    expect(await eventCount(id)).toBe(before); // denoising steps are not events
    await queue.fail(lease(first), first.attempts, new JobError("NAN_DETECTED", "non-finite values in the latent after step 4", true, { maxAttempts: 3, avoidWorker: true }));

    const second = await waitFor(() => queue.claim("w-b", "DENOISING"), 30_000, "the retry to be claimable");
    expect(second.id).toBe(id);
    await queue.release(lease(second));
    const third = (await queue.claim("w-c", "DENOISING"))!;
    await owner.client.data(`mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`, { id });
    await queue.acknowledgeCancel(lease(third));

    const view = (await owner.client.data(OWNER_VIEW, { id })).job;
    const timeline = view.timeline as OwnerEvent[];
    expect(timeline.find((e) => e.kind === "NAN_DETECTED")).toMatchObject({ attempt: 1, step: 4, message: "A numerical error was detected at step 4" });
    const retry = timeline.find((e) => e.kind === "RETRY_SCHEDULED")!;
    expect(retry.attempt).toBe(1);
    expect(retry.message).toMatch(/^Another try scheduled in (0\.[5-9]|1\.0) s \(NAN_DETECTED\)$/);
    expect(timeline.filter((e) => e.kind === "QUEUED").map((e) => e.message)).toEqual([
      "Queued, first in line", "Back in the queue for another try, first in line", "Handed back to the queue (its worker was shutting down), first in line",
    ]);
    expect(timeline.slice(-4).map((e) => `${e.attempt}:${e.kind}`)).toEqual(["3:CANCEL_REQUESTED", "3:STAGE_LEFT", "3:CANCELLED", "3:FINISHED"]);
    expect(view.attemptHistory.map((a: { outcome: string; errorCode: string | null; stepsCompleted: number }) => [a.outcome, a.errorCode, a.stepsCompleted])).toEqual([
      ["RETRIED", "NAN_DETECTED", 3], ["RELEASED", null, 0], ["CANCELLED", null, 0],
    ]);
    const staff = (await support.client.data(STAFF_VIEW, { id })).staffJob;
    expect(staff.attemptHistory.map((a: { workerId: string }) => a.workerId)).toEqual(["w-a", "w-b", "w-c"]);
    const backoff = JSON.parse((staff.timeline as StaffEvent[]).find((e) => e.event.kind === "RETRY_SCHEDULED")!.detail);
    expect(backoff).toMatchObject({ code: "NAN_DETECTED", attemptsLeft: 2 });
    expect(backoff.backoffSeconds).toBeGreaterThan(0.4);
  }, 90_000);

  it("loads a page of jobs' timelines in one statement, whatever the page size; each keeps its queue position", async () => {
    const owner = await app.account("PLUS");
    for (let i = 0; i < 6; i++) await submit(owner.client, `a green circle ${i}`);
    let reads = 0;
    const query = app.kinema.pool.query.bind(app.kinema.pool) as (...args: unknown[]) => unknown;
    (app.kinema.pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      if ((typeof first === "string" ? first : first?.text ?? "").startsWith("/* jobEvents */")) reads++;
      return query(...args);
    };
    try {
      for (const size of [2, 6]) {
        reads = 0;
        const { jobs } = await owner.client.data(`query($n: Int) { jobs(first: $n) { nodes { timeline { kind } attemptHistory { number } } } }`, { n: size });
        expect(jobs.nodes).toHaveLength(size);
        expect(jobs.nodes.every((n: { timeline: OwnerEvent[] }) => n.timeline.map((e) => e.kind).join() === "SUBMITTED,PREFILTER_DECISION,QUEUED")).toBe(true);
        expect(reads).toBe(1);
      }
    } finally {
      (app.kinema.pool as unknown as { query: unknown }).query = query;
    }
    // Each QUEUED event keeps the position the job had when it was queued (the earlier tests left none queued).
    const { jobs } = await owner.client.data(`{ jobs(first: 6) { nodes { timeline { kind message } } } }`);
    const queued = (jobs.nodes as { timeline: OwnerEvent[] }[]).reverse().map((n) => n.timeline.find((e) => e.kind === "QUEUED")!.message);
    expect(queued).toEqual(["Queued, first in line", ...[1, 2, 3, 4, 5].map((n) => `Queued, ${n} job${n === 1 ? "" : "s"} ahead`)]);
  }, 60_000);

  it("a job delivered by the production pipeline shows every stage's duration, the post-filter decision, signing and upload", async () => {
    // Its own database: the engine's in-process worker must not take the other tests' queued jobs.
    const engineDb = await createTestDatabase();
    try {
      await withEngine(engineDb.url, {}, async (engine) => {
        const owner = await engine.account("FREE");
        const support = await engine.account("PLUS", "SUPPORT");
        const id = (await submit(owner.client, "a white circle bouncing"))!.job!.id;
        await waitFor(async () => {
          const { job } = await owner.client.data(`query($id: ID!) { job(id: $id) { status } }`, { id });
          return job.status === "SUCCEEDED";
        }, 300_000, "the job to be delivered");
        const timeline = (await owner.client.data(OWNER_VIEW, { id })).job.timeline as OwnerEvent[];
        const left = timeline.filter((e) => e.kind === "STAGE_LEFT");
        expect(left.map((e) => e.stage)).toEqual(["QUEUED", "DENOISING", "DECODING", "POSTFILTER", "SIGNING", "UPLOADING"]);
        for (const e of left.slice(1)) expect(e.durationSeconds, e.stage!).toBeGreaterThan(0);
        const kinds = timeline.map((e) => e.kind);
        // each decision right after the stage that made it, then the next stage
        expect(kinds[kinds.indexOf("POSTFILTER_DECISION") - 1]).toBe("STAGE_LEFT");
        expect(kinds.indexOf("SIGNED")).toBeGreaterThan(kinds.indexOf("POSTFILTER_DECISION"));
        expect(kinds.slice(-3)).toEqual(["STAGE_LEFT", "UPLOADED", "FINISHED"]);
        expect(timeline.find((e) => e.kind === "POSTFILTER_DECISION")!.message).toMatch(/^The video passed the safety checks \(\d+ frames sampled\)$/);

        const staff = (await support.client.data(STAFF_VIEW, { id })).staffJob.timeline as StaffEvent[];
        const detail = (kind: string) => JSON.parse(staff.find((e) => e.event.kind === kind)!.detail);
        const postfilter = detail("POSTFILTER_DECISION");
        expect(postfilter.verdict).toBe("passed");
        expect(postfilter.samples.length).toBeGreaterThan(0); // what was scanned: every sampled frame's scores
        expect(postfilter.hashGate).toBeDefined(); // and the hash gate's summary and matches
        expect(detail("SIGNED")).toMatchObject({ state: expect.any(String), issuer: expect.anything() });
        expect(detail("UPLOADED")).toMatchObject({ key: expect.stringMatching(/^videos\//), bytes: expect.any(Number) });
      });
    } finally {
      await engineDb.drop();
    }
  }, 400_000);
});
