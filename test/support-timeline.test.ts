// Job timelines with real events, read in headless Chromium: real jobs driven through the real API,
// PostgreSQL and worker processes (the fixture pipeline of test/fixtures/stages.ts, as in
// test/timeline.test.ts): one whose worker was SIGKILLed mid-denoise and resumed by another, one a worker
// simply completed, the same request again (a cache hit), one the pre-filter blocked, and one a SUPPORT
// key cancels with a reason in the page.
// The Support area's vertical timeline must show exactly what StaffJob.timeline says (every event in
// order, attempts and their workers, stage durations, steps, the blocked prompt's rule, who cancelled),
// and the owner's job page exactly what Job.timeline says, with timeInSystemSeconds and nothing of the
// staff's (no worker ids, fencing tokens, rule ids or staff reasons, in the page or in what it was sent).
// Screenshots go where the studio's own go (test-results/).
import { mkdir } from "node:fs/promises";
import pg from "pg";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { modelHash } from "../src/scheduler/cache.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, TEST_MODEL_DIR, waitFor, type TestKinema } from "./helpers/app.js";
import { ensureStudioBuilt, launchChromium, watchProblems } from "./helpers/browser.js";
import { GENERATE } from "./helpers/graphql.js";
import { killAll, spawnWorker, type WorkerProcess } from "./helpers/processes.js";
import { expectedDuration, expectedEvent, readOwnerTimeline, readRows, readStaffTimeline, type ApiEvent, type ApiStaffEvent } from "./helpers/timeline-page.js";

const SCREENSHOTS = "test-results";
type Account = Awaited<ReturnType<TestKinema["account"]>>;
let db: TestDatabase;
let app: TestKinema;
let pool: pg.Pool;
let browser: Browser;
let context: BrowserContext | undefined;
let origin: string;
let owner: Account;
let support: Account;
const workers: WorkerProcess[] = [];
const jobs = { resumed: "", completed: "", cached: "", blocked: "", cancelled: "" };
let checkpointStep = 0;
const CANCEL_REASON = "Customer asked by email to stop it (ticket 5120)";

const STAFF_VIEW = `query($id: ID!) { staffJob(id: $id) {
  timeline { workerId fencingToken detail event { kind attempt stage step durationSeconds message } }
  attemptHistory { workerId fencingToken attempt { number outcome errorCode stepsCompleted } }
} }`;
const OWNER_VIEW = `query($id: ID!) { job(id: $id) { timeInSystemSeconds
  timeline { kind attempt stage step durationSeconds message }
  attemptHistory { number outcome errorCode stepsCompleted } } }`;

async function submit(prompt: string, seed?: number) {
  const { generateVideo } = await owner.client.data(GENERATE, { input: { prompt, durationSeconds: 1, resolution: "R480P", seed } });
  return generateVideo as { job: { id: string } | null; userErrors: { code: string }[] };
}
const status = async (id: string) => (await pool.query(`SELECT status FROM jobs WHERE id = $1`, [id])).rows[0].status as string;

beforeAll(async () => {
  const ready = ensureStudioBuilt().then(launchChromium).then((b) => { browser = b; });
  ready.catch(() => {});
  db = await createTestDatabase();
  // The API only: the jobs are run by the worker processes started here.
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_ALARM_INTERVAL_MS: "0" } });
  origin = new URL(app.url).origin;
  pool = createPool(db.url, 2);
  owner = await app.account("PLUS", "USER");
  support = await app.account("PLUS", "SUPPORT");

  // DENOISING (a checkpoint every 5 steps, 100 ms a step) then UPLOADING; a short lease so the dead
  // worker's job is swept in seconds.
  const env = { TEST_STAGES: "stepping", TEST_MS_PER_STEP: "100", KINEMA_LEASE_MS: "3000", KINEMA_HEARTBEAT_MS: "500", KINEMA_SWEEP_MS: "200" };
  jobs.resumed = (await submit("a white circle bouncing")).job!.id;
  const victim = spawnWorker(db.url, "victim-w", env);
  workers.push(victim);
  await waitFor(async () => (await pool.query(`SELECT 1 FROM jobs WHERE id = $1 AND lease_owner = 'victim-w' AND steps_completed >= 7`, [jobs.resumed])).rowCount,
    90_000, "the victim to pass its first checkpoint");
  victim.child.kill("SIGKILL");
  await victim.exited;
  checkpointStep = (await pool.query(`SELECT (checkpoint->>'step')::int AS step FROM jobs WHERE id = $1`, [jobs.resumed])).rows[0].step;

  jobs.completed = (await submit("a red square sliding left")).job!.id;
  const rescuer = spawnWorker(db.url, "rescuer-w", env);
  workers.push(rescuer);
  await waitFor(async () => (await status(jobs.resumed)) === "SUCCEEDED" && (await status(jobs.completed)) === "SUCCEEDED", 120_000, "the rescuer to finish both jobs");
  rescuer.child.kill("SIGTERM");
  expect(await rescuer.exited).toBe(0);
  workers.length = 0;

  // The completed request again, same seed: delivered from the cache. The fixture pipeline runs no
  // denoiser, so the model hash a real one records on the delivered job is written here as it would be.
  const hash = await modelHash(TEST_MODEL_DIR);
  expect(hash).toBeTruthy();
  const { rows: [done] } = await pool.query(`UPDATE jobs SET metadata = metadata || jsonb_build_object('denoise', coalesce(metadata->'denoise', '{}') || jsonb_build_object('modelHash', $2::text))
    WHERE id = $1 RETURNING seed`, [jobs.completed, hash]);
  jobs.cached = (await submit("a red square sliding left", Number(done.seed))).job!.id;
  expect(await status(jobs.cached)).toBe("SUCCEEDED");

  // No worker runs from here: the blocked job never queues, the next one stays queued until cancelled.
  expect(await submit("porn video of a beach")).toMatchObject({ job: null, userErrors: [{ code: "PROMPT_BLOCKED" }] });
  jobs.blocked = (await pool.query(`SELECT id FROM jobs WHERE account_id = $1 AND status = 'BLOCKED'`, [owner.id])).rows[0].id;
  jobs.cancelled = (await submit("a blue square turning slowly")).job!.id;
  await ready;
  await mkdir(SCREENSHOTS, { recursive: true });
}, 300_000);
afterEach(async () => {
  await context?.close();
  context = undefined;
});
afterAll(async () => {
  await killAll(workers);
  await browser?.close();
  await app?.stop();
  await pool?.end();
  await db?.drop();
});

async function signIn(account: Account): Promise<{ page: Page; problems: string[]; sent: string[]; missing: string[] }> {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchProblems(page);
  // Every GraphQL answer the page received, to look for what it must never be sent.
  const sent: string[] = [];
  const missing: string[] = [];
  page.on("response", (res) => { if (res.status() === 404) missing.push(new URL(res.url()).pathname); if (new URL(res.url()).pathname === "/graphql") void res.text().then((t) => sent.push(t), () => {}); });
  await page.goto(`${origin}/`);
  await page.getByLabel("API key").fill(account.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("tier").waitFor({ timeout: 15_000 });
  return { page, problems, sent, missing };
}

async function staffView(id: string): Promise<{ timeline: ApiStaffEvent[]; attemptHistory: { workerId: string | null; attempt: { number: number; outcome: string; errorCode: string | null; stepsCompleted: number } }[] }> {
  return (await support.client.data(STAFF_VIEW, { id })).staffJob;
}

/** Opens the job in the Support area and checks its timeline and attempts against StaffJob, whole. */
async function openStaffJob(page: Page, id: string, lastKind: string) {
  await page.goto(`${origin}/#/support/jobs/${id}`);
  await page.locator(`[data-testid="timeline-event"][data-kind="${lastKind}"]`).last().waitFor({ timeout: 15_000 });
  const api = await staffView(id);
  const shown = await readStaffTimeline(page);
  expect(shown.map(({ worker: _w, decision: _d, ...event }) => event)).toEqual(api.timeline.map((e) => expectedEvent(e.event)));
  // Each event's worker, where the API names one, is the one shown with it (on the event or its attempt's heading).
  api.timeline.forEach((e, i) => { if (e.workerId) expect(shown[i]!.worker, `${i} ${e.event.kind}`).toBe(e.workerId); });
  if (api.attemptHistory.length === 0) expect(await page.getByTestId("attempts-empty").count()).toBe(1);
  else {
    const rows = (await readRows(page, "attempts")).map(([n, worker, , , outcome, steps]) => [n, worker, outcome, steps]);
    expect(rows).toEqual(api.attemptHistory.map((a) => [String(a.attempt.number), a.workerId ?? "—",
      [a.attempt.outcome, a.attempt.errorCode].filter(Boolean).join(" "), String(a.attempt.stepsCompleted)]));
  }
  return { api, shown };
}

const groupTitles = (page: Page) => page.getByTestId("timeline-group-title").allTextContents();

describe("the Support area's timeline, with real events", () => {
  it("shows the SIGKILLed job's two attempts and workers, the lease loss, the resume step and every stage's duration", { timeout: 120_000 }, async () => {
    const { page, problems } = await signIn(support);
    const { api, shown } = await openStaffJob(page, jobs.resumed, "FINISHED");
    expect(await groupTitles(page)).toEqual(["Before the first claim", "Attempt 1 · worker victim-w", "Attempt 2 · worker rescuer-w"]);
    expect(api.attemptHistory.map((a) => [a.workerId, a.attempt.outcome])).toEqual([["victim-w", "LEASE_LOST"], ["rescuer-w", "SUCCEEDED"]]);
    const lost = shown.find((e) => e.kind === "LEASE_LOST")!;
    expect(lost).toMatchObject({ attempt: 1, worker: "victim-w", stage: "DENOISING" });
    expect(shown.find((e) => e.kind === "RESUMED")).toMatchObject({ attempt: 2, worker: "rescuer-w", step: `step ${checkpointStep}` });
    // The stages each attempt left, each with its duration on the page.
    const left = shown.filter((e) => e.kind === "STAGE_LEFT");
    expect(left.map((e) => `${e.attempt}:${e.stage}`)).toEqual(["null:QUEUED", "1:DENOISING", "1:QUEUED", "2:DENOISING", "2:UPLOADING"]);
    for (const e of left) expect(e.took).toMatch(/^took \d+\.\d s$/);
    // The retry's decision line: its code, backoff and attempts left, from the staff record.
    const retry = api.timeline.find((e) => e.event.kind === "RETRY_SCHEDULED")!;
    const { code, backoffSeconds, attemptsLeft } = JSON.parse(retry.detail);
    expect(shown.find((e) => e.kind === "RETRY_SCHEDULED")!.decision).toBe(`${code} · backoff ${Number(backoffSeconds).toFixed(1)} s · ${attemptsLeft} attempts left`);
    await page.screenshot({ path: `${SCREENSHOTS}/support-timeline-resumed.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it("shows a job a worker simply completed: one attempt, its worker, every stage", { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn(support);
    const { shown } = await openStaffJob(page, jobs.completed, "FINISHED");
    expect(await groupTitles(page)).toEqual(["Before the first claim", "Attempt 1 · worker rescuer-w"]);
    expect(shown.map((e) => e.kind)).toEqual(expect.arrayContaining(["SUBMITTED", "PREFILTER_DECISION", "QUEUED", "CLAIMED", "CHECKPOINT_WRITTEN", "UPLOADED", "FINISHED"]));
    expect(shown.filter((e) => e.kind === "STAGE_LEFT").map((e) => e.stage)).toEqual(["QUEUED", "DENOISING", "UPLOADING"]);
    expect(shown.at(-1)!.message).toBe("Finished: SUCCEEDED");
    await page.screenshot({ path: `${SCREENSHOTS}/support-timeline-completed.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it("shows a cache hit: delivered from the earlier job, with no attempt", { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn(support);
    const { shown } = await openStaffJob(page, jobs.cached, "FINISHED");
    expect(shown.map((e) => e.kind)).toEqual(["SUBMITTED", "PREFILTER_DECISION", "CACHE_HIT", "FINISHED"]);
    expect(shown[2]!.decision).toBe(`from job ${jobs.completed}`);
    expect(await page.getByTestId("attempts-empty").count()).toBe(1);
    await page.screenshot({ path: `${SCREENSHOTS}/support-timeline-cache-hit.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it("shows a blocked prompt's decision with its category, rule and rule-set version", { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn(support);
    const { api, shown } = await openStaffJob(page, jobs.blocked, "FINISHED");
    expect(shown.map((e) => e.kind)).toEqual(["SUBMITTED", "PREFILTER_DECISION", "FINISHED"]);
    const decision = JSON.parse(api.timeline[1]!.detail);
    expect(decision).toMatchObject({ verdict: "blocked", category: "SEXUAL", ruleId: expect.any(String), ruleSetVersion: expect.any(Number) });
    expect(shown[1]!.decision).toBe(`blocked · category SEXUAL · rule ${decision.ruleId} · rule set v${decision.ruleSetVersion}`);
    await page.screenshot({ path: `${SCREENSHOTS}/support-timeline-blocked.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it("shows who cancelled a job, and why, once a SUPPORT key cancels it with a reason", { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn(support);
    await openStaffJob(page, jobs.cancelled, "QUEUED");
    const cancel = page.locator("form.action").filter({ hasText: "Cancel this job" });
    await cancel.getByLabel(/Reason/).fill(CANCEL_REASON);
    await cancel.getByRole("button", { name: "Cancel job" }).click();
    await page.getByTestId("staff-job-status").filter({ hasText: "Cancelled" }).waitFor({ timeout: 15_000 });
    const { shown } = await openStaffJob(page, jobs.cancelled, "FINISHED");
    const who = `by staff (SUPPORT) account ${support.id} — reason: ${CANCEL_REASON}`;
    expect(shown.slice(-3).map((e) => [e.kind, e.message, e.decision])).toEqual([
      ["CANCEL_REQUESTED", "Cancel requested by Kinema support", who],
      ["CANCELLED", "Cancelled by Kinema support", who],
      ["FINISHED", "Finished: CANCELLED", null],
    ]);
    await page.screenshot({ path: `${SCREENSHOTS}/support-timeline-cancelled.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
});

// After the Support area's tests: the cancelled job is the one the SUPPORT key cancelled there.
describe("the owner's job page", () => {
  it("shows Job.timeline and the time in system, and nothing only staff may see", { timeout: 150_000 }, async () => {
    const { page, problems, sent, missing } = await signIn(owner);
    const staffOnly: string[] = ["victim-w", "rescuer-w", "workerId", "fencingToken", "leaseOwner", "ruleId", "ruleSetVersion", support.id, CANCEL_REASON];
    // Rule ids are small numbers, so the rule is looked for as staff are shown it ("rule 7 · rule set v3").
    const blockedRule = JSON.parse((await staffView(jobs.blocked)).timeline[1]!.detail).ruleId as string;
    const ruleShown = new RegExp(`\\brule ${blockedRule}\\b|rule set v|"rule`, "i");

    for (const [name, id] of Object.entries(jobs)) {
      await page.goto(`${origin}/#/jobs/${id}`);
      await page.locator('[data-testid="owner-event"][data-kind="FINISHED"]').waitFor({ timeout: 15_000 });
      const api = (await owner.client.data(OWNER_VIEW, { id })).job as { timeInSystemSeconds: number | null; timeline: ApiEvent[]; attemptHistory: { number: number; outcome: string; errorCode: string | null; stepsCompleted: number }[] };
      expect(await readOwnerTimeline(page), name).toEqual(api.timeline.map(expectedEvent));
      expect(await page.getByTestId("time-in-system").textContent(), name).toBe(expectedDuration(api.timeInSystemSeconds));
      if (api.attemptHistory.length > 0) {
        const rows = (await readRows(page, "owner-attempts")).map(([n, , outcome, steps]) => [n, outcome, steps]);
        expect(rows, name).toEqual(api.attemptHistory.map((a) => [String(a.number), [a.outcome, a.errorCode].filter(Boolean).join(" "), String(a.stepsCompleted)]));
      } else expect(await page.getByTestId("owner-attempts").count(), name).toBe(0);
      const text = await page.locator("body").innerText();
      const html = await page.content();
      for (const secret of staffOnly) {
        expect(text.includes(secret), `${name}: ${secret} shown`).toBe(false);
        expect(html.includes(secret), `${name}: ${secret} in the page`).toBe(false);
      }
      expect(text, name).not.toMatch(ruleShown);
      if (name === "resumed") {
        expect(api.timeInSystemSeconds).toBeGreaterThan(0);
        expect(api.attemptHistory.map((a) => a.outcome)).toEqual(["LEASE_LOST", "SUCCEEDED"]);
        expect(text).toContain(`Resumed from step ${checkpointStep}`);
        await page.screenshot({ path: `${SCREENSHOTS}/studio-job-timeline.png`, fullPage: true });
      }
      if (name === "blocked") {
        expect(api.timeInSystemSeconds).toBeNull();
        expect(text).toContain("The prompt was blocked by the safety check (category: SEXUAL)");
        await page.screenshot({ path: `${SCREENSHOTS}/studio-job-timeline-blocked.png`, fullPage: true });
      }
      if (name === "cancelled") expect(text).toContain("Cancelled by Kinema support");
      if (name === "cached") expect(text).toContain("Delivered from an identical earlier job of yours (no generation needed)");
    }
    // Nor was any of it in what the API sent the page.
    await waitFor(async () => sent.length > 0, 5_000, "the page's GraphQL answers");
    const answers = sent.join("\n");
    for (const secret of staffOnly) expect(answers.includes(secret), `${secret} sent to the owner's page`).toBe(false);
    expect(answers).not.toMatch(ruleShown);
    // The fixture pipeline's upload stage stores no file: the delivered jobs' video players get a 404
    // (one console line each; the cache hit plays the completed job's object); nothing else may go wrong.
    expect(missing.sort()).toEqual([jobs.resumed, jobs.completed, jobs.completed].map((id) => `/files/videos/${id}.mp4`).sort());
    expect(problems.filter((p) => !p.includes("status of 404"))).toEqual([]);
    expect(problems.length).toBe(problems.filter((p) => !p.includes("status of 404")).length + missing.length);
  });
});
