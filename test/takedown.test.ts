// Takedown (issue 17) and account deletion (issue 16) end to end: a staff takedown removes the clip and
// its variants, every URL answers 410, the job is TAKEN_DOWN with a neutral message for its owner (never
// the staff's reason), exactly one audit row, counted in metrics; the re-scan's takedown goes through the
// same service with no actor account; USER keys cannot take down or delete others' things; an account's
// deletion (self-service with confirmation, or an admin's, audited) revokes its keys and removes every
// output.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import { RemovalService } from "../src/removal/service.js";
import { modelHash } from "../src/scheduler/cache.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { jobObjectKeys } from "./helpers/objects.js";
import { counterValue, JOB_VIEW, storingStage } from "./helpers/removal.js";

let db: TestDatabase;
let app: TestKinema;
let sql: pg.Client;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "kinema-takedown-"));
  app = await startTestKinema({
    databaseUrl: db.url, workers: 1, env: { KINEMA_DATA_DIR: dataDir, KINEMA_HOUSEKEEPING_MS: "0" },
    stages: (deps) => [storingStage(deps.store)],
  });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 180_000);
afterAll(async () => {
  await sql?.end();
  await app?.stop();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

type Client = Awaited<ReturnType<TestKinema["account"]>>["client"];
const auditRows = async (targetId: string) => (await sql.query(`SELECT * FROM audit_log WHERE target_id = $1 ORDER BY id`, [targetId])).rows;
const TAKE_DOWN = `mutation($id: ID!, $r: String!) { takeDownJob(id: $id, reason: $r) { job { job { id status } takedownReason } userErrors { code message field } } }`;

async function delivered(client: Client, prompt = "a meadow in spring", seed?: number) {
  const { generateVideo } = await client.data(GENERATE, { input: { prompt, durationSeconds: 1, ...(seed ? { seed } : {}) } });
  expect(generateVideo.userErrors).toEqual([]);
  const id = generateVideo.job.id as string;
  const job = await waitFor(async () => {
    const { job } = await client.data(JOB_VIEW, { id });
    return job.status === "SUCCEEDED" ? job : null;
  }, 60_000, "the job to succeed");
  return { id, url: job.video.url as string };
}

describe("takedown", () => {
  it("staff take a clip down: objects gone, 410, TAKEN_DOWN with a neutral owner message, one audit row, counted", async () => {
    const owner = await app.account("FREE");
    const support = await app.account("PLUS", "SUPPORT");
    const { id, url } = await delivered(owner.client);
    expect((await fetch(url)).status).toBe(200);
    const before = await counterValue("kinema_takedowns_total", { actor: "staff" });
    const removedBefore = await counterValue("kinema_outputs_removed_objects_total", { reason: "takedown" });

    const reason = "matched report #4411: depicts a real person without consent";
    const result = (await support.client.data(TAKE_DOWN, { id, r: reason })).takeDownJob;
    expect(result).toMatchObject({ userErrors: [], job: { job: { id, status: "TAKEN_DOWN" }, takedownReason: reason } });
    expect(await jobObjectKeys(app.kinema.store, id)).toEqual([]);
    expect((await fetch(url)).status).toBe(410);
    const seen = (await owner.client.data(JOB_VIEW, { id })).job;
    expect(seen).toMatchObject({ status: "TAKEN_DOWN", video: null, outputsRemovedReason: "TAKEDOWN", error: { code: "TAKEN_DOWN", message: "This video was removed under our content policy." } });
    expect(JSON.stringify(seen)).not.toContain("4411");
    expect(await auditRows(id)).toEqual([expect.objectContaining({ action: "job.takeDown", actor_account_id: support.id, actor_role: "SUPPORT", reason, target_type: "Job" })]);
    expect(await counterValue("kinema_takedowns_total", { actor: "staff" })).toBe(before + 1);
    expect(await counterValue("kinema_outputs_removed_objects_total", { reason: "takedown" })).toBe(removedBefore + 1);

    // Again: the same job, no second audit row, no second count.
    const again = (await support.client.data(TAKE_DOWN, { id, r: "again" })).takeDownJob;
    expect(again).toMatchObject({ userErrors: [], job: { job: { status: "TAKEN_DOWN" }, takedownReason: reason } });
    expect(await auditRows(id)).toHaveLength(1);
    expect(await counterValue("kinema_takedowns_total", { actor: "staff" })).toBe(before + 1);
  });

  it("a cache hit delivering the same clip is taken down with it; the re-scan's takedown has no actor account", async () => {
    const owner = await app.account("FREE");
    const source = await delivered(owner.client, "a red kite over hills", 4242);
    // The cache serves a clip only when its denoising recorded the model in force (these stages do not denoise).
    await sql.query(`UPDATE jobs SET metadata = metadata || jsonb_build_object('denoise', jsonb_build_object('modelHash', $2::text)) WHERE id = $1`,
      [source.id, await modelHash(app.config.engine.modelDir)]);
    const hit = await delivered(owner.client, "a red kite over hills", 4242);
    expect((await owner.client.data(`query($id: ID!) { job(id: $id) { cacheHit } }`, { id: hit.id })).job.cacheHit).toBe(true);
    const removal = new RemovalService(app.kinema.pool, app.kinema.store, app.kinema.bus, createLogger("test"));
    const result = await removal.takeDown({ jobId: hit.id, reason: "hash bank match", actor: { kind: "rescan", detail: "pdq distance 12 to entry 99" } });
    expect(result.userErrors).toEqual([]);
    expect([...result.takenDown].sort()).toEqual([source.id, hit.id].sort());
    for (const job of [source, hit]) {
      expect((await fetch(job.url)).status).toBe(410);
      expect((await owner.client.data(JOB_VIEW, { id: job.id })).job.status).toBe("TAKEN_DOWN");
      expect(await jobObjectKeys(app.kinema.store, job.id)).toEqual([]);
    }
    expect(await auditRows(hit.id)).toEqual([expect.objectContaining({ action: "job.takeDown", actor_account_id: null, reason: "hash bank match" })]);
    expect((await auditRows(hit.id))[0].after.by).toEqual({ kind: "rescan", detail: "pdq distance 12 to entry 99" });
  });

  it("refuses USER keys, a missing reason and an undelivered job, writing no audit row", async () => {
    const owner = await app.account("FREE");
    const stranger = await app.account("FREE");
    const support = await app.account("PLUS", "SUPPORT");
    const { id, url } = await delivered(owner.client);
    for (const client of [stranger.client, owner.client]) {
      const res = await client.request(TAKE_DOWN, { id, r: "mine now" });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    expect((await support.client.data(TAKE_DOWN, { id, r: "  " })).takeDownJob.userErrors).toEqual([expect.objectContaining({ code: "REASON_REQUIRED" })]);
    const { rows: [failed] } = await sql.query(
      `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, finished_at, error_code)
       VALUES ($1, 'FREE', 'FAILED', 'DENOISING', 'failed', 'R480P', 640, 480, 1, 24, 1, 2, 3, now(), 'NAN_DETECTED') RETURNING id`, [owner.id]);
    expect((await support.client.data(TAKE_DOWN, { id: failed.id, r: "x" })).takeDownJob.userErrors).toEqual([expect.objectContaining({ code: "NOT_DELIVERED" })]);
    expect(await auditRows(failed.id)).toEqual([]);
    expect(await auditRows(id)).toEqual([]);
    expect((await fetch(url)).status).toBe(200);
  });
});

describe("account deletion", () => {
  const DELETE_OWN = `mutation($c: String!) { deleteAccount(confirm: $c) { deletedJobs userErrors { code field } } }`;
  const STAFF_DELETE = `mutation($id: ID!, $r: String!) { staffDeleteAccount(accountId: $id, reason: $r) { account { id } deletedJobs userErrors { code } } }`;

  it("self-service: the name must match; then every job is a tombstone, every output gone, every key revoked", async () => {
    const { account, apiKey } = await app.kinema.accounts.create({ name: "Ada's studio", tier: "FREE", role: "USER" });
    const client = app.client(apiKey);
    const a = await delivered(client, "first clip");
    const b = await delivered(client, "second clip");
    expect((await client.data(DELETE_OWN, { c: "ada's studio" })).deleteAccount).toEqual({ deletedJobs: 0, userErrors: [{ code: "CONFIRMATION_MISMATCH", field: ["confirm"] }] });
    expect((await client.data(DELETE_OWN, { c: "Ada's studio" })).deleteAccount).toEqual({ deletedJobs: 2, userErrors: [] });
    for (const job of [a, b]) {
      expect((await fetch(job.url)).status).toBe(410);
      expect(await jobObjectKeys(app.kinema.store, job.id)).toEqual([]);
    }
    const rows = (await sql.query(`SELECT prompt, deleted_at, removal_reason, outputs_removed_at FROM jobs WHERE account_id = $1`, [account.id])).rows;
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ prompt: "[deleted]", removal_reason: "account", deleted_at: expect.any(Date), outputs_removed_at: expect.any(Date) });
    expect((await sql.query(`SELECT count(*)::int AS n FROM api_keys WHERE account_id = $1 AND (revoked_at IS NULL OR revoked_at > now())`, [account.id])).rows[0].n).toBe(0);
    expect((await client.request(`{ me { id } }`)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("staff deletion is ADMIN only, audited with exactly one row, and cancels queued jobs", async () => {
    const customer = await app.account("FREE");
    const support = await app.account("PLUS", "SUPPORT");
    const admin = await app.account("PLUS", "ADMIN");
    const done = await delivered(customer.client);
    await app.kinema.workers[0]!.stop();
    const { generateVideo } = await customer.client.data(GENERATE, { input: { prompt: "still queued", durationSeconds: 1 } });
    expect((await support.client.request(STAFF_DELETE, { id: customer.id, r: "fraud" })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await customer.client.request(STAFF_DELETE, { id: customer.id, r: "me" })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const result = (await admin.client.data(STAFF_DELETE, { id: customer.id, r: "chargeback fraud, ticket 77" })).staffDeleteAccount;
    expect(result).toEqual({ account: { id: customer.id }, deletedJobs: 2, userErrors: [] });
    expect(await auditRows(customer.id)).toEqual([expect.objectContaining({ action: "account.delete", actor_account_id: admin.id, actor_role: "ADMIN", reason: "chargeback fraud, ticket 77" })]);
    expect((await sql.query(`SELECT status, deleted_at FROM jobs WHERE id = $1`, [generateVideo.job.id])).rows[0]).toMatchObject({ status: "CANCELLED", deleted_at: expect.any(Date) });
    expect((await fetch(done.url)).status).toBe(410);
    expect((await admin.client.data(STAFF_DELETE, { id: customer.id, r: "twice" })).staffDeleteAccount.userErrors).toEqual([{ code: "ALREADY_DELETED" }]);
    expect(await auditRows(customer.id)).toHaveLength(1);
  });
});
