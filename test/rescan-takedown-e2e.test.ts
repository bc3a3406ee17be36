// Re-scan and takedown on the real stack, as the runbook runs them (issue 17). One Kinema serves the API
// and runs the real worker (onnxruntime, ffmpeg, C2PA, the poster and spritesheet); it delivers a clip and
// its signed URLs work. Then the clip's frames enter the bank through `kinema bank import` of a hash-list
// file, and a second Kinema process (no API, no worker: the elected re-scan duty only, sampling 100%)
// re-scans it: the clip is taken down through src/removal as wired in src/app.ts. Every URL handed out
// before (clip, poster, spritesheet, the webhook's own signed link) answers 410, the objects are gone, the
// owner sees TAKEN_DOWN with a neutral message, the takedown is counted and audited, KinemaRescanHits
// fires, a RESCAN safety incident names the bank entry, and the owner's endpoint receives job.taken_down.
// The staff path (takeDownJob with a reason) is then run end to end on a second real clip.
// test/rescan.test.ts covers the re-scan's sampling and once-a-day rule with a stub takedown;
// test/takedown.test.ts covers the service's refusals, cache hits and account deletion on stub clips.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFrames, withDecodedVideo } from "../src/safety/scan/index.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startEngineKinema } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";
import { jobObjectKeys } from "./helpers/objects.js";
import { counterValue } from "./helpers/removal.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

let db: TestDatabase;
let app: TestKinema & { dataDir: string };
let receiver: WebhookReceiver;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await new WebhookReceiver().start();
  app = await startEngineKinema(db.url, {
    // This process never re-scans (it would find the clip clean before the bank entry exists, and a clip is
    // re-scanned once a day): the re-scan below is another process's elected duty.
    KINEMA_RESCAN_INTERVAL_MS: "0",
    KINEMA_ALARM_INTERVAL_MS: "300", KINEMA_HOUSEKEEPING_MS: "0",
    KINEMA_WEBHOOK_ALLOWED_CIDRS: "127.0.0.1/32", KINEMA_WEBHOOK_POLL_MS: "100",
  });
}, 180_000);
afterAll(async () => {
  await app?.stop();
  await receiver?.down();
  await db?.drop();
});

type Client = Awaited<ReturnType<TestKinema["account"]>>["client"];
const VIEW = `query($id: ID!) { job(id: $id) { id status outputsRemovedReason error { code message }
  video { url posterUrl poster { url } spritesheet { url } } } }`;
const CREATE_ENDPOINT = `mutation($url: String!, $events: [String!]!) { createWebhookEndpoint(url: $url, events: $events) {
  endpoint { id } secret userErrors { code } } }`;
const TAKE_DOWN = `mutation($id: ID!, $r: String!) { takeDownJob(id: $id, reason: $r) { job { job { id status } takedownReason } userErrors { code } } }`;
const NEUTRAL = { code: "TAKEN_DOWN", message: "This video was removed under our content policy." };

/** An owner with a webhook endpoint for job.succeeded and job.taken_down (its secret, to verify). */
async function ownerWithEndpoint() {
  const owner = await app.account("PLUS");
  const { createWebhookEndpoint: ep } = await owner.client.data(CREATE_ENDPOINT, { url: receiver.url(`/owner-${owner.id}`), events: ["job.succeeded", "job.taken_down"] });
  expect(ep.userErrors).toEqual([]);
  return { ...owner, secret: ep.secret as string };
}

/** A clip delivered by the real worker: every signed URL it was handed (the API's and the webhook's) answers 200. */
async function deliver(client: Client, ownerId: string, prompt: string, seed: number) {
  const { generateVideo } = await client.data(GENERATE, { input: { prompt, durationSeconds: 2, resolution: "R480P", seed } });
  expect(generateVideo.userErrors).toEqual([]);
  const id = generateVideo.job.id as string;
  const job = await waitFor(async () => {
    const { job } = await client.data(VIEW, { id });
    return ["SUCCEEDED", "FAILED", "BLOCKED"].includes(job.status) ? job : null;
  }, 180_000, "the clip to be delivered");
  expect(job.status).toBe("SUCCEEDED");
  const succeeded = await waitFor(async () => hooksFor(ownerId, id).find((h) => h.json.type === "job.succeeded"), 30_000, "job.succeeded");
  const urls = { clip: job.video.url, poster: job.video.poster.url, posterUrl: job.video.posterUrl, spritesheet: job.video.spritesheet.url, webhook: succeeded.json.data.video.url };
  for (const [name, url] of Object.entries(urls)) {
    expect(url, name).toMatch(/\/files\/(videos|posters|spritesheets)\//);
    expect((await fetch(url)).status, name).toBe(200);
  }
  const keys = await jobObjectKeys(app.kinema.store, id);
  expect(keys.filter((k) => /^(videos|posters|spritesheets)\//.test(k))).toHaveLength(3);
  return { id, urls };
}

function hooksFor(ownerId: string, jobId: string) {
  return receiver.events((b) => b.data?.id === jobId).filter((h) => h.path === `/owner-${ownerId}`);
}

/** What an owner's clip looks like once taken down, to the owner, the store, every old URL and the endpoint. */
async function expectTakenDown(owner: { id: string; client: Client; secret: string }, clip: { id: string; urls: Record<string, string> }) {
  const seen = (await owner.client.data(VIEW, { id: clip.id })).job;
  expect(seen).toMatchObject({ status: "TAKEN_DOWN", video: null, outputsRemovedReason: "TAKEDOWN", error: NEUTRAL });
  for (const [name, url] of Object.entries(clip.urls)) expect((await fetch(url)).status, name).toBe(410);
  // The objects leave the store right after the decision commits: poll.
  expect(await waitFor(async () => (await jobObjectKeys(app.kinema.store, clip.id)).length === 0, 15_000, "the objects to go")).toBe(true);
  const hook = await waitFor(async () => hooksFor(owner.id, clip.id).find((h) => h.json.type === "job.taken_down"), 30_000, "job.taken_down");
  const h = hook.headers;
  expect(() => new Webhook(owner.secret).verify(hook.body, { "webhook-id": String(h["webhook-id"]), "webhook-timestamp": String(h["webhook-timestamp"]), "webhook-signature": String(h["webhook-signature"]) })).not.toThrow();
  expect(hook.json.data).toMatchObject({ id: clip.id, status: "TAKEN_DOWN" });
  expect(hook.json.data.video ?? null).toBeNull();
  return hook;
}

function kinemaCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { env: { ...process.env, DATABASE_URL: db.url }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

describe("re-scan and takedown end to end", () => {
  it("a clip delivered yesterday's way is caught once its frames are banked: taken down, 410 everywhere, counted, alarmed, an incident, job.taken_down", async () => {
    const owner = await ownerWithEndpoint();
    const support = await app.account("PLUS", "SUPPORT");
    const clip = await deliver(owner.client, owner.id, "a grey circle moving right", 61);

    // The clip's frames, as a hash list would carry them (a copy of the delivered file, hashed by PDQ).
    const copy = join(app.dataDir, "copy.mp4");
    await writeFile(copy, Buffer.from(await (await fetch(clip.urls.clip)).arrayBuffer()));
    const hashes = (await withDecodedVideo(copy, (frames) => hashFrames(frames))).filter((f) => f.quality >= 50);
    expect(hashes.length).toBeGreaterThan(0);
    const list = join(app.dataDir, "list.csv");
    await writeFile(list, ["hash,quality,filename", ...hashes.map((f) => `${f.hash},${f.quality},e2e-frame-${f.index}.png`)].join("\n"));
    const imported = await kinemaCli(["bank", "import", list, "--category", "csam", "--source", "e2e-list", "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    const entryIds = (await app.kinema.pool.query(`SELECT id FROM hash_bank_entries WHERE source = 'e2e-list'`)).rows.map((r) => r.id as number);
    expect(entryIds.length).toBe(new Set(hashes.map((f) => f.hash)).size);

    const takedownsBefore = await counterValue("kinema_takedowns_total", { actor: "rescan" });
    const hitsBefore = await counterValue("kinema_rescan_hits_total", { category: "csam" });
    // The re-scan: another process, elected for the duty, re-scanning every clip of the last 24 hours.
    const rescan = await startTestKinema({
      databaseUrl: db.url, api: false, workers: 0,
      env: { KINEMA_DATA_DIR: app.dataDir, KINEMA_RESCAN_RATE: "1", KINEMA_RESCAN_INTERVAL_MS: "1000", KINEMA_ORT_THREADS: "1" },
    });
    try {
      await waitFor(async () => (await owner.client.data(VIEW, { id: clip.id })).job.status === "TAKEN_DOWN", 120_000, "the re-scan to take the clip down");
    } finally {
      await rescan.stop();
    }
    const hook = await expectTakenDown(owner, clip);
    expect(JSON.stringify(hook.json)).not.toContain("Re-scan found");

    const check = (await app.kinema.pool.query(`SELECT outcome, category, detail->'takenDown' AS taken FROM rescan_checks WHERE job_id = $1`, [clip.id])).rows;
    expect(check).toEqual([{ outcome: "hit", category: "csam", taken: true }]);
    const audit = (await app.kinema.pool.query(`SELECT action, actor_account_id, reason, after FROM audit_log WHERE target_id = $1`, [clip.id])).rows;
    expect(audit).toEqual([expect.objectContaining({ action: "job.takeDown", actor_account_id: null, reason: "Re-scan found csam content after delivery." })]);
    expect(audit[0].after.by).toEqual({ kind: "rescan", detail: expect.stringMatching(/^hash bank match "e2e-frame-\d+\.png" at frame \d+/) });
    // Staff see the reason; the owner never does.
    const staffView = await support.client.data(`query($id: ID!) { staffJob(id: $id) { takedownReason } }`, { id: clip.id });
    expect(staffView.staffJob.takedownReason).toBe("Re-scan found csam content after delivery.");
    expect(await counterValue("kinema_takedowns_total", { actor: "rescan" })).toBe(takedownsBefore + 1);
    expect(await counterValue("kinema_rescan_hits_total", { category: "csam" })).toBe(hitsBefore + 1);

    const alarm = await waitFor(async () => {
      const { alarms } = await support.client.data(`{ alarms { name state value } }`);
      return alarms.find((a: { name: string; state: string }) => a.name === "KinemaRescanHits" && a.state === "FIRING");
    }, 15_000, "KinemaRescanHits to fire");
    expect(alarm.value).toBe(1);

    const { safetyIncidents } = await support.client.data(`query($from: DateTime!, $to: DateTime!) { safetyIncidents(from: $from, to: $to) { source pattern category jobsAffected status } }`,
      { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    expect(safetyIncidents).toEqual([{ source: "RESCAN", pattern: expect.stringMatching(/^bank:\d+$/), category: "csam", jobsAffected: 1, status: "OPEN" }]);
    expect(entryIds).toContain(Number(safetyIncidents[0].pattern.slice("bank:".length)));
  }, 420_000);

  it("staff take a real clip down with a reason: 410 for clip, poster, spritesheet and webhook links, objects gone, audited once, counted", async () => {
    const owner = await ownerWithEndpoint();
    const support = await app.account("PLUS", "SUPPORT");
    const clip = await deliver(owner.client, owner.id, "a blue square drifting left", 62);
    const before = await counterValue("kinema_takedowns_total", { actor: "staff" });
    const reason = "report #5120: a real person's likeness without consent";
    const result = (await support.client.data(TAKE_DOWN, { id: clip.id, r: reason })).takeDownJob;
    expect(result).toMatchObject({ userErrors: [], job: { job: { id: clip.id, status: "TAKEN_DOWN" }, takedownReason: reason } });
    const hook = await expectTakenDown(owner, clip);
    expect(JSON.stringify(hook.json)).not.toContain("5120");
    expect(JSON.stringify((await owner.client.data(VIEW, { id: clip.id })).job)).not.toContain("5120");
    const audit = (await app.kinema.pool.query(`SELECT action, actor_account_id, actor_role, reason, target_type FROM audit_log WHERE target_id = $1`, [clip.id])).rows;
    expect(audit).toEqual([{ action: "job.takeDown", actor_account_id: support.id, actor_role: "SUPPORT", reason, target_type: "Job" }]);
    expect(await counterValue("kinema_takedowns_total", { actor: "staff" })).toBe(before + 1);
    // A staff takedown is not a filter's catch: no incident for it.
    expect((await app.kinema.pool.query(`SELECT count(*)::int AS n FROM safety_incident_jobs WHERE job_id = $1`, [clip.id])).rows[0].n).toBe(0);
  }, 300_000);
});
