// Rate limits, quotas, usage and cost, and the request options' validation, through the real API on
// real PostgreSQL: RATE_LIMITED / QUOTA_EXCEEDED with retryAfterSeconds, nothing queued, the IETF
// RateLimit headers; the limits' hot reload (audited); me.usage; deadline expiry (never claimed,
// EXPIRED, announced, not counted against the daily quota); the negative prompt's pre-filter and cache key.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { createLogger } from "../src/log.js";
import { claimJob } from "../src/queue/sql/claimJob.js";
import { UsageLimitsStore } from "../src/limits/store.js";
import { PROMPT_BLOCKED_MESSAGE } from "../src/jobs/service.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { collect, GENERATE } from "./helpers/graphql.js";

let db: TestDatabase;
let pool: pg.Pool;
let app: TestKinema;

const DEFAULT_LIMITS = { freeSubmissionsPerMinute: 30, plusSubmissionsPerMinute: 300, freeGenerationsPerDay: 300, plusGenerationsPerDay: 10_000, freeQueuedJobs: 30, plusQueuedJobs: 500 };

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 6);
  // No workers: jobs stay queued. The lease sweeper (which also expires deadlines) ticks every 200 ms.
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_SWEEP_MS: "200", KINEMA_GPU_HOURLY_COST: "3.6", KINEMA_LEADER_RETRY_MS: "200" } });
});
afterAll(async () => {
  await app?.stop();
  await pool?.end();
  await db?.drop();
});
beforeEach(async () => {
  await pool.query("DELETE FROM jobs"); // the claims below must see only their own test's jobs
  await app.kinema.limits.update(DEFAULT_LIMITS, { actor: "test", reason: "reset" });
  // admission control needs history; none here, but keep it from refusing anything
  await app.kinema.scheduler.update({ admissionControl: false }, { actor: "test", reason: "reset" });
});

const input = (prompt: string, extra: Record<string, unknown> = {}) => ({ prompt, durationSeconds: 1, resolution: "R480P", ...extra });

/** generateVideo over HTTP, with the response's headers. */
async function generate(key: string, variables: Record<string, unknown>) {
  const res = await fetch(app.url, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { job { id status deadlineAt negativePrompt } userErrors { code message field retryAfterSeconds } } }`, variables }),
  });
  const body = await res.json() as { data: { generateVideo: { job: { id: string; status: string; deadlineAt: string | null; negativePrompt: string | null } | null; userErrors: { code: string; message: string; field: string[] | null; retryAfterSeconds: number | null }[] } } };
  return { status: res.status, headers: res.headers, ...body.data.generateVideo };
}

const jobCount = async (accountId: string) => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE account_id = $1`, [accountId])).rows[0]!.n;

describe("rate limits", () => {
  it("refuses the submission past the per-minute limit with RATE_LIMITED, retryAfterSeconds and the RateLimit headers; nothing is queued", async () => {
    await app.kinema.limits.update({ freeSubmissionsPerMinute: 3 }, { actor: "test" });
    const user = await app.account("FREE");
    const first = await generate(user.key, { input: input("a red ball") });
    expect(first.userErrors).toEqual([]);
    expect(first.headers.get("ratelimit-policy")).toBe(`"minute";q=3;w=60, "day";q=300;w=86400, "queued";q=30`);
    expect(first.headers.get("ratelimit")).toMatch(/^"minute";r=2;t=(59|60), "day";r=299;t=(86399|86400), "queued";r=29$/);
    await generate(user.key, { input: input("a red ball") });
    const third = await generate(user.key, { input: input("a red ball") });
    expect(third.headers.get("ratelimit")).toMatch(/^"minute";r=0;t=\d+, "day";r=297;/);

    const refused = await generate(user.key, { input: input("a red ball") });
    expect(refused.status).toBe(200);
    expect(refused.job).toBeNull();
    expect(refused.userErrors).toHaveLength(1);
    expect(refused.userErrors[0]).toMatchObject({ code: "RATE_LIMITED", field: null });
    expect(refused.userErrors[0]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.userErrors[0]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refused.userErrors[0]!.message).toMatch(/3 submissions a minute/);
    expect(refused.headers.get("retry-after")).toBe(String(refused.userErrors[0]!.retryAfterSeconds));
    expect(refused.headers.get("ratelimit")).toMatch(/^"minute";r=0;t=\d+, "day";r=297;/);
    expect(await jobCount(user.id)).toBe(3);
    // Another account has its own window.
    const other = await app.account("FREE");
    expect((await generate(other.key, { input: input("a red ball") })).userErrors).toEqual([]);
  });

  it("refuses past the daily quota with QUOTA_EXCEEDED; expired and blocked jobs do not count", async () => {
    await app.kinema.limits.update({ freeGenerationsPerDay: 2 }, { actor: "test" });
    const user = await app.account("FREE");
    const a = await generate(user.key, { input: input("a blue cube") });
    await generate(user.key, { input: input("a blue cube") });
    const refused = await generate(user.key, { input: input("a blue cube") });
    expect(refused.userErrors[0]).toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect(refused.userErrors[0]!.retryAfterSeconds).toBeGreaterThan(86_000);
    expect(refused.userErrors[0]!.retryAfterSeconds).toBeLessThanOrEqual(86_400);
    expect(refused.headers.get("retry-after")).toBe(String(refused.userErrors[0]!.retryAfterSeconds));
    expect(await jobCount(user.id)).toBe(2);
    // A blocked prompt is still refused as blocked (the filter's answer), and is no generation.
    expect((await generate(user.key, { input: input("a steamy s3x scene") })).userErrors[0]).toMatchObject({ code: "PROMPT_BLOCKED" });
    // An expired job gives its generation back.
    await pool.query(`UPDATE jobs SET status = 'EXPIRED', finished_at = now() WHERE id = $1`, [a.job!.id]);
    expect((await generate(user.key, { input: input("a blue cube") })).userErrors).toEqual([]);
  });

  it("refuses past the queued-jobs limit with RATE_LIMITED; a cancel makes room", async () => {
    await app.kinema.limits.update({ freeQueuedJobs: 2 }, { actor: "test" });
    const user = await app.account("FREE");
    const a = await generate(user.key, { input: input("a green cone") });
    await generate(user.key, { input: input("a green cone") });
    const refused = await generate(user.key, { input: input("a green cone") });
    expect(refused.userErrors[0]).toMatchObject({ code: "RATE_LIMITED" });
    expect(refused.userErrors[0]!.message).toMatch(/2 queued jobs/);
    expect(refused.userErrors[0]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await user.client.data(`mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`, { id: a.job!.id });
    expect((await generate(user.key, { input: input("a green cone") })).userErrors).toEqual([]);
  });

  it("shows the limits and what is left in me.limits.rate", async () => {
    await app.kinema.limits.update({ plusSubmissionsPerMinute: 7 }, { actor: "test" });
    const user = await app.account("PLUS");
    await generate(user.key, { input: input("a yellow star") });
    const { me } = await user.client.data(`{ me { limits { rate { submissionsPerMinute generationsPerDay queuedJobs policies { name quota windowSeconds used remaining resetSeconds } } } } }`);
    expect(me.limits.rate).toMatchObject({ submissionsPerMinute: 7, generationsPerDay: 10_000, queuedJobs: 500 });
    expect(me.limits.rate.policies.map((p: { name: string; used: number; remaining: number; windowSeconds: number | null }) => [p.name, p.used, p.remaining, p.windowSeconds]))
      .toEqual([["minute", 1, 6, 60], ["day", 1, 9_999, 86_400], ["queued", 1, 499, null]]);
  });
});

describe("the limits' settings", () => {
  it("change through the admin mutation (one audit row), validated, and reach another process's store by polling", async () => {
    const other = await UsageLimitsStore.start(pool, { pollMs: 100 }, createLogger("test"));
    try {
      const admin = await app.account("PLUS", "ADMIN");
      const before = (await pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'limits.update'`)).rows[0].n;
      const bad = await admin.client.data(`mutation { updateUsageLimits(input: { freeQueuedJobs: 0 }) { config { version } userErrors { code field } } }`);
      expect(bad.updateUsageLimits).toEqual({ config: null, userErrors: [{ code: "INVALID_INPUT", field: ["input", "freeQueuedJobs"] }] });
      const { updateUsageLimits } = await admin.client.data(`mutation { updateUsageLimits(input: { freeSubmissionsPerMinute: 12, reason: "launch" }) {
        config { version free { submissionsPerMinute generationsPerDay } plus { submissionsPerMinute } reason } userErrors { code } } }`);
      expect(updateUsageLimits.userErrors).toEqual([]);
      expect(updateUsageLimits.config).toMatchObject({ free: { submissionsPerMinute: 12, generationsPerDay: 300 }, plus: { submissionsPerMinute: 300 }, reason: "launch" });
      const audit = await pool.query(`SELECT actor_account_id, before, after, reason FROM audit_log WHERE action = 'limits.update' ORDER BY id DESC LIMIT 1`);
      expect((await pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'limits.update'`)).rows[0].n).toBe(before + 1);
      expect(audit.rows[0]).toMatchObject({ actor_account_id: admin.id, reason: "launch", before: { freeSubmissionsPerMinute: 30 }, after: { freeSubmissionsPerMinute: 12 } });
      await waitFor(async () => other.current.tiers.FREE.submissionsPerMinute === 12, 10_000, "the other store to reload");
      expect(other.current.version).toBe(updateUsageLimits.config.version);
      // A USER may not change them.
      const user = await app.account("FREE");
      const denied = await user.client.request(`mutation { updateUsageLimits(input: { freeQueuedJobs: 5 }) { userErrors { code } } }`);
      expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    } finally {
      await other.stop();
    }
  });
});

describe("request options", () => {
  it("validates deadlineSeconds and negativePrompt with userErrors", async () => {
    const user = await app.account("FREE");
    const { generateVideo } = await user.client.data(GENERATE.replace("userErrors { code message field }", "userErrors { code field }"),
      { input: input("a cat", { deadlineSeconds: 0, negativePrompt: "x".repeat(2001) }) });
    expect(generateVideo).toEqual({ job: null, userErrors: [
      { code: "INVALID_INPUT", field: ["input", "negativePrompt"] }, { code: "INVALID_INPUT", field: ["input", "deadlineSeconds"] }] });
    const tooLong = await generate(user.key, { input: input("a cat", { deadlineSeconds: 86_401 }) });
    expect(tooLong.userErrors[0]).toMatchObject({ code: "INVALID_INPUT", field: ["input", "deadlineSeconds"] });
    expect(await jobCount(user.id)).toBe(0);
  });

  it("pre-filters the negative prompt like the prompt: blocked, recorded, nothing queued", async () => {
    const user = await app.account("FREE");
    const refused = await generate(user.key, { input: input("a calm lake", { negativePrompt: "a steamy s3x scene" }) });
    expect(refused.job).toBeNull();
    expect(refused.userErrors).toEqual([{ code: "PROMPT_BLOCKED", message: PROMPT_BLOCKED_MESSAGE, field: ["input", "negativePrompt"], retryAfterSeconds: null }]);
    const { rows } = await pool.query(`SELECT status, stage, metadata FROM jobs WHERE account_id = $1`, [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "BLOCKED", stage: "PREFILTER", metadata: { prefilter: { verdict: "passed" }, negativePrefilter: { verdict: "blocked", category: "SEXUAL" } } });
  });

  it("makes the negative prompt part of the cache key (and keeps keys without one as they were)", async () => {
    const user = await app.account("FREE");
    const plain = await generate(user.key, { input: input("a calm lake", { seed: 7 }) });
    const neg = await generate(user.key, { input: input("a calm lake", { seed: 7, negativePrompt: "fog" }) });
    const neg2 = await generate(user.key, { input: input("a calm lake", { seed: 7, negativePrompt: "  FOG " }) });
    const other = await generate(user.key, { input: input("a calm lake", { seed: 7, negativePrompt: "rain" }) });
    expect(neg.job!.negativePrompt).toBe("fog");
    expect(plain.job!.negativePrompt).toBeNull();
    const key = async (id: string) => (await pool.query(`SELECT cache_key FROM jobs WHERE id = $1`, [id])).rows[0].cache_key as string;
    expect(await key(neg.job!.id)).not.toBe(await key(plain.job!.id));
    expect(await key(neg2.job!.id)).toBe(await key(neg.job!.id)); // normalised like the prompt
    expect(await key(other.job!.id)).not.toBe(await key(neg.job!.id));
    // A delivered job with the negative prompt is a cache hit only for the same negative prompt.
    await pool.query(`UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', finished_at = now(), video = '{"key": "x"}',
      metadata = metadata || jsonb_build_object('denoise', jsonb_build_object('modelHash', $2::text)) WHERE id = $1`,
      [neg.job!.id, (await import("../src/scheduler/cache.js").then((m) => m.modelHash(app.config.engine.modelDir)))]);
    const again = await user.client.data(`mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { job { status cacheHit } } }`, { input: input("a calm lake", { seed: 7, negativePrompt: "fog" }) });
    expect(again.generateVideo.job).toEqual({ status: "SUCCEEDED", cacheHit: true });
    const without = await user.client.data(`mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { job { status cacheHit } } }`, { input: input("a calm lake", { seed: 7 }) });
    expect(without.generateVideo.job).toEqual({ status: "QUEUED", cacheHit: false });
  });
});

describe("deadlines", () => {
  it("a job not started within deadlineSeconds is never claimed, becomes EXPIRED (the subscription ends with it) and does not count against the daily quota", async () => {
    await app.kinema.limits.update({ freeGenerationsPerDay: 1 }, { actor: "test" });
    const user = await app.account("FREE");
    const submitted = await generate(user.key, { input: input("a slow train", { deadlineSeconds: 2 }) });
    expect(submitted.userErrors).toEqual([]);
    const job = submitted.job!;
    const created = (await pool.query(`SELECT created_at, deadline_at FROM jobs WHERE id = $1`, [job.id])).rows[0];
    expect(created.deadline_at.getTime() - created.created_at.getTime()).toBe(2_000);
    expect(new Date(job.deadlineAt!).getTime()).toBe(created.deadline_at.getTime());

    const socket = user.client.socket();
    const progress = collect<{ jobProgress: { status: string } }>(socket,
      `subscription($id: ID!) { jobProgress(id: $id) { status job { id status gpuSeconds costDollars error { code } } } }`, { id: job.id });
    // Past the deadline, with the sweep held off (this transaction holds the row; the sweep skips locked
    // rows): the claim, in the same transaction, sees a QUEUED job it may not start.
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`UPDATE jobs SET deadline_at = now() - interval '1 second' WHERE id = $1`, [job.id]);
      expect(await claimJob(client, "test-worker", 30_000, "DENOISING")).toBeNull();
      expect((await client.query(`SELECT status FROM jobs WHERE id = $1`, [job.id])).rows[0].status).toBe("QUEUED");
      await client.query("COMMIT");
    } finally {
      client.release();
    }

    const events = await progress.done;
    await socket.dispose();
    expect(events.at(-1)).toMatchObject({ jobProgress: { status: "EXPIRED", job: { id: job.id, status: "EXPIRED", gpuSeconds: 0, costDollars: 0, error: { code: "DEADLINE_EXCEEDED" } } } });
    const row = (await pool.query(`SELECT status, stage, started_at, attempts, finished_at FROM jobs WHERE id = $1`, [job.id])).rows[0];
    expect(row).toMatchObject({ status: "EXPIRED", stage: "QUEUED", started_at: null, attempts: 0 });
    expect(row.finished_at).toBeInstanceOf(Date);
    // The daily quota of 1 is free again: the expired job was not a generation.
    expect((await generate(user.key, { input: input("a fast train") })).userErrors).toEqual([]);
  });

  it("a job with a deadline still in the future is claimed as usual", async () => {
    const user = await app.account("PLUS");
    const submitted = await generate(user.key, { input: input("a patient train", { deadlineSeconds: 3_600 }) });
    const claimed = (await claimJob(pool, "test-worker", 30_000, "DENOISING"))?.job;
    expect(claimed?.id).toBe(submitted.job!.id);
    await pool.query(`UPDATE jobs SET status = 'CANCELLED', finished_at = now(), lease_owner = NULL WHERE id = $1`, [claimed!.id]);
  });
});

describe("me.usage", () => {
  it("counts the window's jobs by status, their GPU-seconds and cost at the configured price, and the limits left", async () => {
    const user = await app.account("FREE");
    await generate(user.key, { input: input("a queued one") });
    const [done] = (await pool.query(`INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, metadata, finished_at)
      VALUES ($1, 'FREE', 'SUCCEEDED', 'DONE', 'p', 'R480P', 64, 64, 1, 8, 1, 4, 3, '{"stageMs": {"DENOISING": 9000, "DECODING": 1000}}', now()),
             ($1, 'FREE', 'SUCCEEDED', 'DONE', 'p', 'R480P', 64, 64, 1, 8, 1, 4, 3, '{"stageMs": {"DENOISING": 9000}, "cache": {"hit": true}}', now()),
             ($1, 'FREE', 'FAILED', 'DENOISING', 'p', 'R480P', 64, 64, 1, 8, 1, 4, 3, '{}', now()),
             ($1, 'FREE', 'SUCCEEDED', 'DONE', 'p', 'R480P', 64, 64, 1, 8, 1, 4, 3, '{"stageMs": {"DENOISING": 50000}}', now() - interval '2 days')
      RETURNING id`, [user.id])).rows;
    await pool.query(`UPDATE jobs SET created_at = now() - interval '2 days' WHERE account_id = $1 AND metadata->'stageMs'->>'DENOISING' = '50000'`, [user.id]);
    const { me } = await user.client.data(`{ me { usage(window: DAY) { window jobs byStatus { status count } gpuSeconds costDollars gpuHourlyCost
      limits { policies { name used remaining } } } } }`);
    expect(me.usage).toMatchObject({ window: "DAY", jobs: 4, gpuSeconds: 10, costDollars: 0.01, gpuHourlyCost: 3.6 });
    expect([...me.usage.byStatus].sort((x, y) => x.status.localeCompare(y.status))).toEqual([{ status: "FAILED", count: 1 }, { status: "QUEUED", count: 1 }, { status: "SUCCEEDED", count: 2 }]);
    expect(me.usage.limits.policies[0]).toEqual({ name: "minute", used: 4, remaining: 26 });
    const week = await user.client.data(`{ me { usage(window: WEEK) { jobs gpuSeconds costDollars } } }`);
    expect(week.me.usage).toEqual({ jobs: 5, gpuSeconds: 60, costDollars: 0.06 });
    // Per job: gpuSeconds and costDollars once finished, null before.
    const { job } = await user.client.data(`query($id: ID!) { job(id: $id) { status gpuSeconds costDollars } }`, { id: done.id });
    expect(job).toEqual({ status: "SUCCEEDED", gpuSeconds: 10, costDollars: 0.01 });
    const { jobs } = await user.client.data(`{ jobs(filter: { status: [QUEUED] }) { nodes { gpuSeconds costDollars } } }`);
    expect(jobs.nodes).toEqual([{ gpuSeconds: null, costDollars: null }]);
  });
});
