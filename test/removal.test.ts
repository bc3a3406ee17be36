// Deleting a job and the tiers' retention, on the real stack (PostgreSQL, the API over HTTP, a worker
// running the real runner, the disk store): the clip, previews and checkpoints leave the store, every
// URL signed earlier answers 410 Gone, the row stays as a tombstone with its prompt redacted, deleting
// twice gives the same answer; a job deleted while its worker is finishing is never delivered (the
// fenced completion ends it CANCELLED), in either commit order; retention removes expired clips only,
// and two sweepers at once remove each clip once; an admin's change of a period is applied without a restart.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import { JobQueue } from "../src/queue/queue.js";
import { RemovalService } from "../src/removal/service.js";
import { RetentionSettings } from "../src/removal/retention.js";
import { runHousekeeping } from "../workers/housekeeping.js";
import { tombstoneJobs } from "../src/removal/sql.js";
import { modelHash } from "../src/scheduler/cache.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { jobObjectKeys } from "./helpers/objects.js";
import { CLIP, counterValue, DELETE_JOB, JOB_VIEW, storingStage } from "./helpers/removal.js";

let db: TestDatabase;
let app: TestKinema;
let sql: pg.Client;
let dataDir: string;
let removal: RemovalService;
const held = new Map<string, () => void>();
const holdNext: { on: boolean } = { on: false };

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "kinema-removal-"));
  app = await startTestKinema({
    databaseUrl: db.url, workers: 1, env: { KINEMA_DATA_DIR: dataDir, KINEMA_HOUSEKEEPING_MS: "0" },
    stages: (deps) => [storingStage(deps.store, (jobId) => {
      if (!holdNext.on) return null;
      holdNext.on = false;
      return new Promise<void>((resolve) => held.set(jobId, resolve));
    })],
  });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  removal = new RemovalService(app.kinema.pool, app.kinema.store, app.kinema.bus, createLogger("test"));
}, 180_000);
afterAll(async () => {
  for (const release of held.values()) release();
  await sql?.end();
  await app?.stop();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

type Client = Awaited<ReturnType<TestKinema["account"]>>["client"];

async function delivered(client: Client, prompt = "a lighthouse at dusk", seed?: number) {
  const { generateVideo } = await client.data(GENERATE, { input: { prompt, durationSeconds: 1, ...(seed ? { seed } : {}) } });
  expect(generateVideo.userErrors).toEqual([]);
  const id = generateVideo.job.id as string;
  const job = await waitFor(async () => {
    const { job } = await client.data(JOB_VIEW, { id });
    return job.status === "SUCCEEDED" ? job : null;
  }, 60_000, "the job to succeed");
  return { id, url: job.video.url as string, job };
}

describe("deleteJob", () => {
  it("removes a delivered job's objects, answers 410 for its old URLs, leaves a redacted tombstone, and is idempotent", async () => {
    const owner = await app.account("FREE");
    const { id, url } = await delivered(owner.client, "a secret birthday surprise");
    expect(url).toContain(`job=${id}`);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(CLIP)).toBe(true);
    expect((await jobObjectKeys(app.kinema.store, id)).length).toBeGreaterThan(0);
    const objectsBefore = await counterValue("kinema_outputs_removed_objects_total", { reason: "deleted" });
    const bytesBefore = await counterValue("kinema_outputs_removed_bytes_total", { reason: "deleted" });

    const first = (await owner.client.data(DELETE_JOB, { id })).deleteJob;
    expect(first.userErrors).toEqual([]);
    expect(first.job).toMatchObject({ id, status: "SUCCEEDED", prompt: "[deleted]", video: null, outputsRemovedReason: "DELETED" });
    expect(first.job.deletedAt).toBeTruthy();
    expect(first.job.outputsRemovedAt).toBeTruthy();
    expect(await jobObjectKeys(app.kinema.store, id)).toEqual([]);
    const gone = await fetch(url);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toMatch(/Gone/);
    // A range request (how players ask) is 410 too, not 403 or 404.
    expect((await fetch(url, { headers: { range: "bytes=0-9" } })).status).toBe(410);
    const row = (await sql.query(`SELECT prompt, video, cache_key, deleted_at FROM jobs WHERE id = $1`, [id])).rows[0];
    expect(row).toMatchObject({ prompt: "[deleted]", video: null, cache_key: null });
    expect(JSON.stringify(row)).not.toContain("birthday");
    expect(await counterValue("kinema_outputs_removed_objects_total", { reason: "deleted" })).toBe(objectsBefore + 1);
    expect(await counterValue("kinema_outputs_removed_bytes_total", { reason: "deleted" })).toBe(bytesBefore + CLIP.length);

    const second = (await owner.client.data(DELETE_JOB, { id })).deleteJob;
    expect(second).toEqual(first);
    // History still lists it, as a tombstone.
    const { jobs } = await owner.client.data(`{ jobs { nodes { id prompt deletedAt } } }`);
    expect(jobs.nodes).toContainEqual({ id, prompt: "[deleted]", deletedAt: first.job.deletedAt });
  });

  it("a clip a cache hit still delivers stays for it (the deleted job's URL is 410, the hit's works) until the hit is deleted too", async () => {
    const owner = await app.account("FREE");
    const source = await delivered(owner.client, "a paper boat", 777);
    await sql.query(`UPDATE jobs SET metadata = metadata || jsonb_build_object('denoise', jsonb_build_object('modelHash', $2::text)) WHERE id = $1`,
      [source.id, await modelHash(app.config.engine.modelDir)]);
    const hit = await delivered(owner.client, "a paper boat", 777);
    const clipKey = (await sql.query(`SELECT video->>'key' AS key FROM jobs WHERE id = $1`, [hit.id])).rows[0].key as string;
    expect(clipKey.startsWith(`videos/${source.id}/`)).toBe(true);
    await owner.client.data(DELETE_JOB, { id: source.id });
    expect((await fetch(source.url)).status).toBe(410);
    expect((await fetch(hit.url)).status).toBe(200);
    expect(await jobObjectKeys(app.kinema.store, source.id)).toEqual([clipKey]);
    await owner.client.data(DELETE_JOB, { id: hit.id });
    expect((await fetch(hit.url)).status).toBe(410);
    expect(await jobObjectKeys(app.kinema.store, source.id)).toEqual([]);
  });

  it("another account's job answers NOT_FOUND and stays untouched", async () => {
    const owner = await app.account("FREE");
    const other = await app.account("PLUS");
    const { id, url } = await delivered(owner.client);
    const attempt = (await other.client.data(DELETE_JOB, { id })).deleteJob;
    expect(attempt).toMatchObject({ job: null, userErrors: [{ code: "NOT_FOUND", field: ["id"] }] });
    expect((await fetch(url)).status).toBe(200);
    expect((await owner.client.data(JOB_VIEW, { id })).job).toMatchObject({ deletedAt: null, prompt: "a lighthouse at dusk" });
  });

  it("a job deleted while its worker is finishing is cancelled and its clip is never delivered", async () => {
    const owner = await app.account("PLUS");
    holdNext.on = true;
    const { generateVideo } = await owner.client.data(GENERATE, { input: { prompt: "a running fox", durationSeconds: 1 } });
    const id = generateVideo.job.id as string;
    // The worker has stored the clip and waits to complete: it is in flight.
    await waitFor(async () => held.has(id), 60_000, "the worker to hold the job");
    expect((await jobObjectKeys(app.kinema.store, id)).some((k) => k.startsWith("videos/"))).toBe(true);
    const deleted = (await owner.client.data(DELETE_JOB, { id })).deleteJob;
    expect(deleted).toMatchObject({ userErrors: [], job: { status: "RUNNING", video: null, outputsRemovedAt: null, deletedAt: expect.any(String) } });
    held.get(id)!();
    const job = await waitFor(async () => {
      const { job } = await owner.client.data(JOB_VIEW, { id });
      return job.status !== "RUNNING" ? job : null;
    }, 30_000, "the worker to finish");
    expect(job).toMatchObject({ status: "CANCELLED", video: null, prompt: "[deleted]" });
    expect((await sql.query(`SELECT video FROM jobs WHERE id = $1`, [id])).rows[0].video).toBeNull();
    // The runner removed what it wrote; the sweeper records the removal.
    await waitFor(async () => (await jobObjectKeys(app.kinema.store, id)).length === 0, 10_000, "the runner's removal");
    const swept = await removal.sweep({ FREE: 0, PLUS: 0 });
    expect(swept.finished).toBeGreaterThanOrEqual(1);
    expect((await owner.client.data(JOB_VIEW, { id })).job).toMatchObject({ outputsRemovedReason: "DELETED", outputsRemovedAt: expect.any(String) });
  });

  it("the fenced completion waits for a delete that holds the row, then ends the job CANCELLED without a video", async () => {
    const owner = await app.account("FREE");
    const { rows: [job] } = await sql.query(
      `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, fencing_token, lease_owner, lease_expires_at, started_at)
       VALUES ($1, 'FREE', 'RUNNING', 'UPLOADING', 'racing', 'R480P', 640, 480, 1, 24, 1, 2, 3, 7, 'w', now() + interval '1 minute', now()) RETURNING id`, [owner.id]);
    const tx = new pg.Client({ connectionString: db.url });
    await tx.connect();
    try {
      await tx.query("BEGIN");
      await tombstoneJobs(tx, owner.id, job.id, "deleted");
      const queue = new JobQueue(app.kinema.pool, app.kinema.bus, app.config.queue);
      const completing = queue.complete({ jobId: job.id, fencingToken: 7 }, { key: `videos/${job.id}/7.mp4` }, {});
      await new Promise((r) => setTimeout(r, 300));
      await tx.query("COMMIT");
      expect(await completing).toEqual({ status: "CANCELLED" });
    } finally {
      await tx.end();
    }
    expect((await sql.query(`SELECT status, video FROM jobs WHERE id = $1`, [job.id])).rows[0]).toEqual({ status: "CANCELLED", video: null });
  });
});

describe("retention", () => {
  it("removes clips past their tier's retention only, each once with two sweepers at once, and their URLs answer 410", async () => {
    const free = await app.account("FREE");
    const plus = await app.account("PLUS");
    const old = await delivered(free.client, "old free clip");
    const young = await delivered(free.client, "young free clip");
    const oldPlus = await delivered(plus.client, "old plus clip");
    expect(new Date(old.job.video.retainedUntil).getTime() - new Date(old.job.video.expiresAt).getTime()).toBeGreaterThan(6 * 86_400_000);
    // 8 days old: past FREE's 7, within PLUS's 30.
    await sql.query(`UPDATE jobs SET finished_at = now() - interval '8 days' WHERE id = ANY($1::uuid[])`, [[old.id, oldPlus.id]]);
    const before = await counterValue("kinema_outputs_removed_objects_total", { reason: "retention" });
    const retention = app.config.retention;
    expect(retention).toEqual({ FREE: 7 * 86_400, PLUS: 30 * 86_400 });
    const other = new RemovalService(app.kinema.pool, app.kinema.store, app.kinema.bus, createLogger("test"));
    const [a, b] = await Promise.all([removal.sweep(retention), other.sweep(retention)]);
    expect(a.expired + b.expired).toBe(1);
    expect(await counterValue("kinema_outputs_removed_objects_total", { reason: "retention" })).toBe(before + 1);
    expect(await jobObjectKeys(app.kinema.store, old.id)).toEqual([]);
    expect((await fetch(old.url)).status).toBe(410);
    expect((await free.client.data(JOB_VIEW, { id: old.id })).job).toMatchObject({ status: "SUCCEEDED", video: null, outputsRemovedReason: "RETENTION", deletedAt: null });
    for (const kept of [young, oldPlus]) {
      expect((await fetch(kept.url)).status).toBe(200);
      expect((await jobObjectKeys(app.kinema.store, kept.id)).length).toBeGreaterThan(0);
    }
    expect((await removal.sweep(retention)).expired).toBe(0);
  });

  it("runs in the housekeeping round (the elected duty), before the orphan sweep", async () => {
    const free = await app.account("FREE");
    const clip = await delivered(free.client, "swept by housekeeping");
    await sql.query(`UPDATE jobs SET finished_at = now() - interval '9 days' WHERE id = $1`, [clip.id]);
    await runHousekeeping({
      pool: app.kinema.pool, store: app.kinema.store, everyMs: 0, log: createLogger("test"),
      removal: { service: removal, retention: new RetentionSettings(app.kinema.pool, app.config.retention) },
    });
    expect(await jobObjectKeys(app.kinema.store, clip.id)).toEqual([]);
    expect((await sql.query(`SELECT removal_reason, outputs_removed_at IS NOT NULL AS done FROM jobs WHERE id = $1`, [clip.id])).rows[0]).toEqual({ removal_reason: "retention", done: true });
  });
});

describe("retention settings", () => {
  const UPDATE = `mutation($input: UpdateRetentionInput!, $r: String!) { updateRetention(input: $input, reason: $r) { retention { freeDays plusDays } userErrors { code field } } }`;

  it("an admin changes a tier's period without a restart (audited once); the next sweep applies it; others are refused", async () => {
    const admin = await app.account("PLUS", "ADMIN");
    const support = await app.account("PLUS", "SUPPORT");
    const free = await app.account("FREE");
    const clip = await delivered(free.client, "two days old");
    await sql.query(`UPDATE jobs SET finished_at = now() - interval '2 days' WHERE id = $1`, [clip.id]);
    const current = new RetentionSettings(app.kinema.pool, app.config.retention);
    expect((await removal.sweep(await current.current())).expired).toBe(0);

    expect((await support.client.request(UPDATE, { input: { freeDays: 1 }, r: "x" })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await admin.client.data(UPDATE, { input: { freeDays: -1 }, r: "x" })).updateRetention.userErrors).toEqual([{ code: "INVALID_RETENTION", field: ["input", "freeDays"] }]);
    const audits = async () => Number((await sql.query(`SELECT count(*) FROM audit_log WHERE action = 'retention.update'`)).rows[0].count);
    const before = await audits();
    const changed = (await admin.client.data(UPDATE, { input: { freeDays: 1 }, r: "storage costs, ticket 12" })).updateRetention;
    expect(changed).toEqual({ retention: { freeDays: 1, plusDays: 30 }, userErrors: [] });
    expect(await audits()).toBe(before + 1);
    expect((await support.client.data(`{ retentionConfig { freeDays plusDays } }`)).retentionConfig).toEqual({ freeDays: 1, plusDays: 30 });
    // Another reader (another process's view) sees it within its 2 s cache.
    await waitFor(async () => (await current.current()).FREE === 86_400, 5_000, "the new period");
    const swept = await removal.sweep(await current.current());
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect((await fetch(clip.url)).status).toBe(410);
    expect((await free.client.data(JOB_VIEW, { id: clip.id })).job.outputsRemovedReason).toBe("RETENTION");
    await admin.client.data(UPDATE, { input: { freeDays: 7 }, r: "back to the default" });
  });
});
