// The scheduler under real PostgreSQL: weighted fair share in the claim statement (2:1 exactly for one
// claimer, idle lanes' share to the others, FIFO within a lane), the per-account burst cap under 8
// claimers racing on separate connections, the config's admin API and its spread to another process,
// admission control (QUEUE_FULL for FREE, never PLUS), the exact-match cache, weighted queue positions.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { enqueueFifo } from "./helpers/ops.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { sleep } from "./fixtures/stages.js";
import { JobQueue } from "../src/queue/queue.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { queuePositions } from "../src/queue/sql/queuePositions.js";
import { modelHash, normalisePrompt } from "../src/scheduler/cache.js";

let db: TestDatabase;
let pool: pg.Pool;
let app: TestKinema;

const queueConfig = { leaseMs: 30_000, heartbeatMs: 300, pollMs: 100, sweepMs: 100, maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 200 };
const DEFAULTS = { fairShare: true, plusWeight: 2, freeWeight: 1, freeBurstCap: 3, plusBurstCap: 10, admissionControl: true, freeQueueWaitTargetSeconds: 15 };

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 12);
  app = await startTestKinema({ databaseUrl: db.url });
});
afterAll(async () => {
  await app?.stop();
  await pool?.end();
  await db?.drop();
});
beforeEach(async () => {
  await pool.query("DELETE FROM jobs");
  await pool.query("UPDATE scheduler_lanes SET pass = 0, claims = 0");
  await app.kinema.scheduler.update(DEFAULTS, { actor: "test", reason: "reset" });
});

const enqueue = (accountId: string, tier: "FREE" | "PLUS", n: number, start?: number) => enqueueFifo(pool, accountId, tier, n, start);

async function tierOf(id: string): Promise<string> {
  return (await pool.query("SELECT tier FROM jobs WHERE id = $1", [id])).rows[0].tier;
}

async function claimAll(queue: JobQueue, n: number): Promise<{ id: string; tier: string }[]> {
  const out: { id: string; tier: string }[] = [];
  for (let i = 0; i < n; i++) {
    const job = await queue.claim("w");
    if (!job) break;
    out.push({ id: job.id, tier: job.tier });
  }
  return out;
}

describe("weighted fair share in the claim", () => {
  it("serves PLUS:FREE 2:1 while both lanes are full, FIFO within each lane", async () => {
    await app.kinema.scheduler.update({ freeBurstCap: 1000, plusBurstCap: 1000 }, { actor: "test" });
    const plus = await app.account("PLUS");
    const free = await app.account("FREE");
    // FREE's jobs are older: plain FIFO would serve them all first.
    const freeIds = await enqueue(free.id, "FREE", 30, Date.now() - 120_000);
    const plusIds = await enqueue(plus.id, "PLUS", 30);
    const claims = await claimAll(new JobQueue(pool, new MemoryEventBus(), queueConfig), 30);
    expect(claims).toHaveLength(30);
    expect(claims.filter((c) => c.tier === "PLUS")).toHaveLength(20);
    expect(claims.filter((c) => c.tier === "FREE")).toHaveLength(10);
    // Stride: every window of 3 consecutive claims holds exactly 2 PLUS.
    for (let i = 0; i + 3 <= 30; i += 3) expect(claims.slice(i, i + 3).filter((c) => c.tier === "PLUS")).toHaveLength(2);
    expect(claims.filter((c) => c.tier === "PLUS").map((c) => c.id)).toEqual(plusIds.slice(0, 20));
    expect(claims.filter((c) => c.tier === "FREE").map((c) => c.id)).toEqual(freeIds.slice(0, 10));
  });

  it("gives an idle lane's share to the other, and a returning lane no banked monopoly", async () => {
    await app.kinema.scheduler.update({ freeBurstCap: 1000, plusBurstCap: 1000 }, { actor: "test" });
    const plus = await app.account("PLUS");
    const free = await app.account("FREE");
    await enqueue(free.id, "FREE", 40);
    const queue = new JobQueue(pool, new MemoryEventBus(), queueConfig);
    const alone = await claimAll(queue, 20);
    expect(alone.every((c) => c.tier === "FREE")).toBe(true); // PLUS idle: FREE gets every claim
    await enqueue(plus.id, "PLUS", 40, Date.now());
    const mixed = await claimAll(queue, 12);
    const plusClaims = mixed.filter((c) => c.tier === "PLUS").length;
    // 2:1 is 8 of 12; the returning lane gets at most one stride of catch-up, not 20 claims of credit.
    expect(plusClaims).toBeGreaterThanOrEqual(8);
    expect(plusClaims).toBeLessThanOrEqual(10);
  });

  it("is plain FIFO over both tiers when fair share is off", async () => {
    await app.kinema.scheduler.update({ fairShare: false, freeBurstCap: 1000 }, { actor: "test" });
    const plus = await app.account("PLUS");
    const free = await app.account("FREE");
    const freeIds = await enqueue(free.id, "FREE", 5, Date.now() - 120_000);
    await enqueue(plus.id, "PLUS", 5);
    const claims = await claimAll(new JobQueue(pool, new MemoryEventBus(), queueConfig), 5);
    expect(claims.map((c) => c.id)).toEqual(freeIds);
  });
});

describe("the per-account burst cap", () => {
  it("never lets 8 claimers on separate connections run more than 3 jobs of one FREE account", async () => {
    const a = await app.account("FREE");
    const b = await app.account("FREE");
    await enqueue(a.id, "FREE", 24);
    await enqueue(b.id, "FREE", 24);
    const clients = await Promise.all(Array.from({ length: 8 }, async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      return client;
    }));
    const maxRunning = new Map<string, number>();
    try {
      await Promise.all(clients.map(async (client, n) => {
        const queue = new JobQueue(client, new MemoryEventBus(), queueConfig);
        for (let idle = 0; idle < 20;) {
          const job = await queue.claim(`racer-${n}`);
          if (!job) { idle++; await sleep(10); continue; }
          idle = 0;
          // A fresh snapshot right after the claim committed: what is running for this account now.
          const { rows } = await client.query(`SELECT count(*)::int AS n FROM jobs WHERE account_id = $1 AND status = 'RUNNING'`, [job.accountId]);
          maxRunning.set(job.accountId, Math.max(maxRunning.get(job.accountId) ?? 0, rows[0].n));
          await sleep(5 + Math.random() * 20);
          await queue.complete({ jobId: job.id, fencingToken: job.fencingToken }, { key: "x" }, {});
        }
      }));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const { rows } = await pool.query(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`);
    expect(rows).toEqual([{ status: "SUCCEEDED", n: 48 }]);
    expect(maxRunning.get(a.id)).toBeLessThanOrEqual(3);
    expect(maxRunning.get(b.id)).toBeLessThanOrEqual(3);
    expect(Math.max(maxRunning.get(a.id)!, maxRunning.get(b.id)!)).toBe(3); // the cap is used, not a lock per account
    const counters = await pool.query(`SELECT running FROM scheduler_account_load WHERE account_id = ANY($1::uuid[])`, [[a.id, b.id]]);
    expect(counters.rows).toEqual([{ running: 0 }, { running: 0 }]);
  });
});

const CONFIG_FIELDS = `version fairShare plusWeight freeWeight freeBurstCap plusBurstCap admissionControl freeQueueWaitTargetSeconds updatedBy reason`;
const UPDATE = `mutation($input: UpdateSchedulerConfigInput!) { updateSchedulerConfig(input: $input) { config { ${CONFIG_FIELDS} } userErrors { code field message } } }`;

describe("scheduler config", () => {
  it("is admin-only: FORBIDDEN for anyone else", async () => {
    const user = await app.account("PLUS");
    const query = await user.client.request(`{ schedulerConfig { version } }`);
    expect(query.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const mutation = await user.client.request(UPDATE, { input: { plusWeight: 50 } });
    expect(mutation.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(app.kinema.scheduler.current.plusWeight).toBe(2);
  });

  it("is changed by an admin and in force in another API process within 5 s", async () => {
    const other = await startTestKinema({ databaseUrl: db.url });
    try {
      const admin = await app.account("FREE", "ADMIN");
      const bad = await admin.client.data(UPDATE, { input: { freeWeight: 0, freeBurstCap: 2.5 } }).catch((e: Error) => e);
      // 2.5 is not an Int: a GraphQL validation error; a zero weight alone is a userError.
      expect(bad).toBeInstanceOf(Error);
      const zero = await admin.client.data(UPDATE, { input: { freeWeight: 0 } });
      expect(zero.updateSchedulerConfig).toMatchObject({ config: null, userErrors: [{ code: "INVALID_INPUT", field: ["input", "freeWeight"] }] });

      const before = other.kinema.scheduler.current.version;
      const started = Date.now();
      const { updateSchedulerConfig } = await admin.client.data(UPDATE, { input: { plusWeight: 4, freeBurstCap: 5, reason: "PLUS p95 queue wait" } });
      expect(updateSchedulerConfig.userErrors).toEqual([]);
      expect(updateSchedulerConfig.config).toMatchObject({ plusWeight: 4, freeWeight: 1, freeBurstCap: 5, reason: "PLUS p95 queue wait", updatedBy: `account:${admin.id}` });
      expect(updateSchedulerConfig.config.version).toBeGreaterThan(before);
      const otherAdmin = other.client(admin.key);
      await waitFor(async () => {
        const { schedulerConfig } = await otherAdmin.data(`{ schedulerConfig { ${CONFIG_FIELDS} } }`);
        return schedulerConfig.plusWeight === 4 && schedulerConfig.freeBurstCap === 5;
      }, 5_000, "the other process to apply the change");
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(other.kinema.scheduler.current.version).toBe(updateSchedulerConfig.config.version);

      // The claim reads the stored weights itself: 4:1 now.
      const plus = await app.account("PLUS");
      const free = await app.account("FREE");
      await enqueue(free.id, "FREE", 10, Date.now() - 120_000);
      await enqueue(plus.id, "PLUS", 10);
      const claims = await claimAll(new JobQueue(pool, new MemoryEventBus(), queueConfig), 10);
      expect(claims.filter((c) => c.tier === "PLUS")).toHaveLength(8);
    } finally {
      await other.stop();
    }
  });
});

describe("admission control", () => {
  /** History that says a job runs 60 s, with one live worker: a few queued FREE jobs mean minutes of wait. */
  async function slowHistory(accountId: string): Promise<void> {
    await pool.query(
      `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, started_at, finished_at)
       SELECT $1, 'FREE', 'SUCCEEDED', 'DONE', 'old', 'R480P', 854, 480, 1, 24, i, 10, 3, now() - interval '61 seconds', now() - interval '1 second'
       FROM generate_series(1, 5) i`, [accountId]);
    await pool.query(`INSERT INTO workers (id, hostname, pid) VALUES ('w-admission', 'h', 1) ON CONFLICT (id) DO UPDATE SET last_seen_at = now()`);
  }

  it("refuses a FREE job whose predicted wait exceeds the target with QUEUE_FULL and a retry-after, never a PLUS job", async () => {
    const free = await app.account("FREE");
    const plus = await app.account("PLUS");
    await slowHistory(free.id);
    const input = { prompt: "a red ball", durationSeconds: 1, resolution: "R480P" };
    // Empty queue, idle worker: admitted.
    const first = await free.client.data(GENERATE, { input });
    expect(first.generateVideo.userErrors).toEqual([]);
    await enqueue(free.id, "FREE", 3);
    const refused = await free.client.data(`mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { job { id } userErrors { code message retryAfterSeconds } } }`, { input });
    expect(refused.generateVideo.job).toBeNull();
    const error = refused.generateVideo.userErrors[0];
    expect(error.code).toBe("QUEUE_FULL");
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.message).toContain(`${error.retryAfterSeconds} seconds`);
    expect((await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE prompt = 'a red ball'`)).rows[0].n).toBe(1); // nothing queued

    await enqueue(plus.id, "PLUS", 20);
    const paid = await plus.client.data(GENERATE, { input });
    expect(paid.generateVideo.userErrors).toEqual([]);
    expect(paid.generateVideo.job.id).toBeTruthy();

    // The threshold is config: raised, the same FREE request is admitted.
    await app.kinema.scheduler.update({ freeQueueWaitTargetSeconds: 86_400 }, { actor: "test" });
    expect((await free.client.data(GENERATE, { input })).generateVideo.userErrors).toEqual([]);
    await pool.query(`DELETE FROM workers WHERE id = 'w-admission'`);
  });
});

describe("the exact-match cache", () => {
  const JOB = `query($id: ID!) { job(id: $id) { id status stage cacheHit seed video { url } } }`;

  it("returns a delivered video of the same account as a new SUCCEEDED job, without a worker", async () => {
    const free = await app.account("FREE");
    const input = { prompt: "  A  Red ball\tbouncing ", durationSeconds: 1, resolution: "R480P", seed: 42 };
    const { generateVideo: source } = await free.client.data(GENERATE, { input });
    expect(source.job.status).toBe("QUEUED");
    // Deliver it as a worker would, with the model's hash in its denoising metadata.
    const queue = new JobQueue(pool, new MemoryEventBus(), queueConfig);
    const claimed = (await queue.claim("w"))!;
    expect(claimed.id).toBe(source.job.id);
    const hash = await modelHash(app.config.engine.modelDir);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const video = { key: `videos/${claimed.id}.mp4`, width: 854, height: 480, frames: 24, fps: 24, bytes: 1000, provenance: { state: "Valid", actions: [] } };
    await queue.complete({ jobId: claimed.id, fencingToken: claimed.fencingToken }, video, { denoise: { modelHash: hash } });

    // Same request up to whitespace and case: a cache hit, at once.
    const again = await free.client.data(GENERATE, { input: { ...input, prompt: "a red BALL bouncing" } });
    expect(again.generateVideo.userErrors).toEqual([]);
    const hit = again.generateVideo.job;
    expect(hit.id).not.toBe(source.job.id);
    expect(hit.status).toBe("SUCCEEDED");
    const { job } = await free.client.data(JOB, { id: hit.id });
    expect(job).toMatchObject({ status: "SUCCEEDED", stage: "DONE", cacheHit: true, seed: 42 });
    expect(job.video.url).toBeTruthy();
    const row = (await pool.query(`SELECT video, metadata, started_at FROM jobs WHERE id = $1`, [hit.id])).rows[0];
    expect(row.video).toEqual(video); // the same object, provenance included
    expect(row.metadata.cache).toEqual({ hit: true, sourceJobId: source.job.id });
    expect(row.started_at).toBeNull();
    expect((await free.client.data(JOB, { id: source.job.id })).job.cacheHit).toBe(false);
    expect(normalisePrompt("  A  Red ball\tbouncing ")).toBe("a red ball bouncing");

    // Not for another account, not without an explicit seed, not for another seed.
    const other = await app.account("FREE");
    expect((await other.client.data(GENERATE, { input })).generateVideo.job.status).toBe("QUEUED");
    const { seed: _seed, ...unseeded } = input;
    expect((await free.client.data(GENERATE, { input: unseeded })).generateVideo.job.status).toBe("QUEUED");
    expect((await free.client.data(GENERATE, { input: { ...input, seed: 43 } })).generateVideo.job.status).toBe("QUEUED");
  });
});

describe("queue positions", () => {
  it("count the claims expected before each job under the weights, not FIFO order", async () => {
    await app.kinema.scheduler.update({ freeBurstCap: 1000 }, { actor: "test" }); // positions leave caps out
    const plus = await app.account("PLUS");
    const free = await app.account("FREE");
    const freeIds = await enqueue(free.id, "FREE", 4, Date.now() - 120_000);
    const plusIds = await enqueue(plus.id, "PLUS", 4);
    const all = [...freeIds, ...plusIds];
    const each = await Promise.all(all.map(async (id) => (await queuePositions(pool, [id])).get(id)!));
    const ranked = await queuePositions(pool, all);
    expect(all.map((id) => ranked.get(id))).toEqual(each);
    // A batch that leaves the newest jobs out (the ranking stops at its newest job; lanes count whole).
    const older = [freeIds[0]!, freeIds[2]!, plusIds[0]!, plusIds[1]!, freeIds[1]!];
    const part = await queuePositions(pool, older);
    expect(older.map((id) => part.get(id))).toEqual(older.map((id) => each[all.indexOf(id)]));
    // FIFO would put all four FREE jobs first; under 2:1 the first PLUS job is next.
    expect(ranked.get(plusIds[0]!)).toBe(0);
    expect(ranked.get(freeIds[0]!)).toBe(1);
    const { data } = await plus.client.request(`query($id: ID!) { job(id: $id) { queuePosition etaSeconds } }`, { id: plusIds[1] });
    expect(data.job.queuePosition).toBe(ranked.get(plusIds[1]!));

    // The estimate against the claim's real order: off by at most one.
    const claims = await claimAll(new JobQueue(pool, new MemoryEventBus(), queueConfig), 8);
    expect(claims).toHaveLength(8);
    for (const [index, claim] of claims.entries()) expect(Math.abs(ranked.get(claim.id)! - index)).toBeLessThanOrEqual(1);

    await app.kinema.scheduler.update({ fairShare: false }, { actor: "test" });
    const fifoFree = await enqueue(free.id, "FREE", 2, Date.now() - 120_000);
    const fifoPlus = await enqueue(plus.id, "PLUS", 2);
    const fifo = await queuePositions(pool, [...fifoFree, ...fifoPlus]);
    expect([...fifoFree, ...fifoPlus].map((id) => fifo.get(id))).toEqual([0, 1, 2, 3]);
    expect(await tierOf(fifoPlus[0]!)).toBe("PLUS");
  });
});
