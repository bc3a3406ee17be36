// Kinema Studio end to end: the page the API serves at /, driven in headless Chromium against the real
// pipeline (onnxruntime, ffmpeg, C2PA signing): sign in, submit, watch live progress and previews, play
// the delivered clip, read its content credentials, find it in history; pick a job back up after a
// reload mid-run; filter the history and page through it; and refuse a key that was revoked.
import { mkdir } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startEngineKinema } from "./helpers/engine.js";
import type { TestKinema } from "./helpers/app.js";
import { ensureStudioBuilt, launchChromium, watchProblems } from "./helpers/browser.js";
import { insertRows, type JobRow } from "./helpers/ops.js";
import { hashApiKey } from "../src/accounts/keys.js";

const SCREENSHOTS = "test-results";
let db: TestDatabase;
let app: TestKinema & { dataDir: string };
let browser: Browser;
let context: BrowserContext | undefined;
let origin: string;

beforeAll(async () => {
  // Build (if needed) and start the browser while the database and the worker come up.
  const ready = ensureStudioBuilt().then(launchChromium).then((chromium) => { browser = chromium; });
  ready.catch(() => {}); // awaited below, after the database exists (so afterAll can drop it)
  db = await createTestDatabase();
  app = await startEngineKinema(db.url);
  await ready;
  origin = new URL(app.url).origin;
  await mkdir(SCREENSHOTS, { recursive: true });
}, 120_000);
afterEach(async () => {
  await context?.close();
  context = undefined;
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await db?.drop();
});

async function openSignedIn(tier: "FREE" | "PLUS" = "FREE", existing?: Awaited<ReturnType<TestKinema["account"]>>) {
  const account = existing ?? await app.account(tier);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${origin}/`);
  await page.getByLabel("API key").fill(account.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("tier").filter({ hasText: tier }).waitFor({ timeout: 10_000 });
  return { page, problems, account };
}

async function submit(page: Page, prompt: string, seconds: number) {
  await page.getByLabel("Prompt", { exact: true }).fill(prompt);
  await page.getByLabel("Duration (seconds)").fill(String(seconds));
  await page.getByRole("button", { name: "Generate video" }).dblclick(); // one job: the idempotency key
}

interface Sample { value: number | null; max: number | null; preview: string | null; video: boolean }

const SAMPLE = `(() => {
  const bar = document.querySelector('[data-testid="job-progress"]');
  const img = document.querySelector('[data-testid="preview"]');
  return { value: bar ? bar.value : null, max: bar ? bar.max : null, preview: img ? img.getAttribute("src") : null,
    video: !!document.querySelector("video") };
})()`;

const sample = (page: Page) => page.evaluate<Sample>(SAMPLE);

// Predicates run in the page as self-contained functions (the studio's CSP forbids the eval that string
// predicates need while polling); the server's typecheck has no DOM types, hence `globalThis as any`.
const videoReady = (page: Page) => page.waitForFunction(() => (globalThis as any).document.querySelector("video")?.readyState >= 1, null, { timeout: 15_000 });
const stepsAtLeast = (page: Page, n: number) => page.waitForFunction(
  (min) => ((globalThis as any).document.querySelector('[data-testid="job-progress"]')?.value ?? 0) >= min, n, { timeout: 45_000 });

/** The natural size of the image at `url` as the page's browser decodes it. */
const naturalSize = (page: Page, url: string) => page.evaluate<{ width: number; height: number }, string>((src) => new Promise((resolve, reject) => {
  const img = new (globalThis as any).Image();
  img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
  img.onerror = () => reject(new Error(`cannot load ${src}`));
  img.src = src;
}), url);

/** Samples the live panel until the finished video appears. */
async function watchUntilVideo(page: Page, timeoutMs = 60_000): Promise<Sample[]> {
  const samples: Sample[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample(page);
    samples.push(s);
    if (s.video) return samples;
    if (Date.now() > deadline) throw new Error(`no video after ${timeoutMs} ms; last sample ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

describe("Kinema Studio", () => {
  it("signs in, makes a 10 s clip with live progress and previews, plays it, shows its credentials and history", async () => {
    const { page, problems, account } = await openSignedIn("FREE");
    // The form offers only what FREE allows.
    expect(await page.getByLabel("Resolution").locator("option").evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))).toEqual(["R480P"]);
    expect(await page.getByTestId("plan-tier").textContent()).toBe("FREE");

    const prompt = "a paper boat drifting down a rainy street";
    await submit(page, prompt, 10);
    const samples = await watchUntilVideo(page, 150_000); // a 10 s clip: ~40 s of stages after the last step at load 20+

    const values = samples.map((s) => s.value).filter((v): v is number => v !== null);
    expect(new Set(values).size).toBeGreaterThanOrEqual(3);
    expect(values).toEqual([...values].sort((a, b) => a - b)); // never backwards
    expect(samples.find((s) => s.max !== null)?.max).toBe(30);
    const previews = [...new Set(samples.map((s) => s.preview).filter(Boolean))];
    expect(previews.length).toBeGreaterThanOrEqual(2);

    // The player loads the signed MP4: metadata read, a 10 s clip.
    await videoReady(page);
    const video = await page.evaluate<{ duration: number; width: number; src: string }>(
      `(() => { const v = document.querySelector("video"); return { duration: v.duration, width: v.videoWidth, src: v.currentSrc }; })()`);
    expect(video.duration).toBeGreaterThan(9.5);
    expect(video.duration).toBeLessThan(10.5);
    expect(video.width).toBe(854);
    expect(video.src).toMatch(/\/files\//);
    expect(await page.getByRole("link", { name: "Download MP4" }).getAttribute("href")).toBe(video.src);
    // The player shows the clip's poster: a signed JPEG the browser has decoded at the clip's size.
    const poster = await page.evaluate<string>(`document.querySelector("video").poster`);
    expect(poster).toMatch(/\/files\/posters\/.+\.jpg\?expires=/);
    expect(await page.getByRole("link", { name: "Poster" }).getAttribute("href")).toBe(poster);
    expect(await naturalSize(page, poster)).toEqual({ width: 854, height: 480 });

    expect(await page.getByTestId("cc-state").textContent()).toBe("Trusted");
    expect(await page.getByTestId("cc-ai").textContent()).toBe("Created by AI");
    expect(await page.getByTestId("job-status").textContent()).toBe("Done");
    await page.screenshot({ path: `${SCREENSHOTS}/studio-finished.png`, fullPage: true });

    // Exactly one job despite the double click.
    const { jobs } = await account.client.data(`{ jobs { nodes { id prompt status } } }`);
    expect(jobs.nodes).toHaveLength(1);

    // History lists it; its detail page shows the delivered video.
    await page.getByRole("link", { name: "History" }).click();
    const item = page.getByTestId("history-item").filter({ hasText: prompt });
    await item.waitFor({ timeout: 10_000 });
    expect(await item.textContent()).toContain("Done");
    // Its thumbnail is the poster, loaded and decoded; the history page has no <video> at all.
    await page.waitForFunction(() => {
      const img = (globalThis as any).document.querySelector('[data-testid="history-thumb"]');
      return !!img && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 10_000 });
    expect(await page.evaluate(`(() => { const img = document.querySelector('[data-testid="history-thumb"]'); return [img.naturalWidth, img.src.includes("/files/posters/")]; })()`)).toEqual([854, true]);
    expect(await page.locator("video").count()).toBe(0);
    await item.click();
    await page.getByTestId("credentials").waitFor({ timeout: 10_000 });
    expect(page.url()).toContain(`#/jobs/${jobs.nodes[0].id}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${SCREENSHOTS}/studio-phone.png`, fullPage: true });

    // Signing out returns to the sign-in form.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(problems).toEqual([]);
  }, 240_000); // ~12 s alone; the whole suite on 2 cores can more than double it, a load of 20+ more

  it("picks a running job back up after a reload and follows it to the end", async () => {
    const { page, problems } = await openSignedIn("FREE");
    await submit(page, "a lighthouse beam sweeping over waves", 10);
    await stepsAtLeast(page, 4);
    const before = (await sample(page)).value!;

    await page.reload();
    const bar = page.getByTestId("job-progress");
    await bar.waitFor({ timeout: 10_000 });
    const after = (await sample(page)).value!;
    expect(after).toBeGreaterThanOrEqual(before);
    await stepsAtLeast(page, after + 3); // a few steps on, with a preview or two
    await page.screenshot({ path: `${SCREENSHOTS}/studio-progress.png`, fullPage: true });

    const samples = await watchUntilVideo(page, 150_000);
    const values = samples.map((s) => s.value).filter((v): v is number => v !== null);
    expect(Math.max(...values)).toBeGreaterThan(after);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    await videoReady(page);
    expect(await page.getByTestId("cc-state").textContent()).toBe("Trusted");
    expect(problems).toEqual([]);
  }, 240_000); // a 10 s clip's 30 steps: ~12 s alone on a machine whose DiT step is ~0.3 s at this
  // geometry, 70 s alone on one at ~0.9 s, where the whole suite ran it out of the 90 s it had (2026-12-05)

  it("sends a bad or revoked key back to sign-in with a message", async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${origin}/`);
    await page.getByLabel("API key").fill("kin_not_a_real_key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor({ timeout: 10_000 });

    // A key kept from an earlier visit that has been revoked since: a real key, signed in with, then
    // revoked by its owner through the API (as from another tab or the CLI), which the serving process
    // applies at once (a revocation by another process takes up to KINEMA_AUTH_CACHE_MS). Back to
    // sign-in, told why.
    const account = await app.account("FREE");
    await page.getByLabel("API key").fill(account.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("tier").filter({ hasText: "FREE" }).waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem("kinema.apiKey"))).toBe(account.key);
    const keyId = (await app.kinema.prisma.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(account.key) } })).id;
    const { revokeApiKey } = await app.client(account.key).data(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { active } userErrors { code } } }`, { id: keyId });
    expect(revokeApiKey).toEqual({ apiKey: { active: false }, userErrors: [] });
    await page.reload();
    await page.getByRole("status").filter({ hasText: "not accepted" }).waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem("kinema.apiKey"))).toBeNull();
    // The browser logs the refused requests (401); nothing else went wrong.
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });

  it("filters history by status, and Load more appends the next page in order without duplicates", async () => {
    const account = await app.account("FREE");
    // 23 finished jobs (a worker takes none of them), one a minute apart: 12 done, 7 failed, 4 cancelled.
    const statuses = [...Array(12).fill("SUCCEEDED"), ...Array(7).fill("FAILED"), ...Array(4).fill("CANCELLED")] as JobRow["status"][];
    const rows: JobRow[] = statuses.map((status, i) => ({
      tier: "FREE", status, createdAgo: 60 * (i + 1), startedAgo: 60 * (i + 1) - 5, finishedAgo: 60 * (i + 1) - 30,
      errorCode: status === "FAILED" ? "INTERNAL" : null,
    }));
    await insertRows(app.kinema.pool, account.id, rows);
    const newestFirst = async (status?: string) => (await app.kinema.pool.query(
      `SELECT id FROM jobs WHERE account_id = $1 AND ($2::text IS NULL OR status::text = $2) ORDER BY created_at DESC, id DESC`,
      [account.id, status ?? null])).rows.map((r) => `#/jobs/${r.id}`);

    const { page, problems } = await openSignedIn("FREE", account);
    await page.getByRole("link", { name: "History" }).click();
    const items = page.getByTestId("history-item");
    const loadMore = page.getByRole("button", { name: "Load more" });
    const listed = () => items.evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    const listedCount = (n: number) => page.waitForFunction(
      (count) => (globalThis as any).document.querySelectorAll('[data-testid="history-item"]').length === count
        && !(globalThis as any).document.querySelector('[aria-busy="true"]'), n, { timeout: 20_000 });
    const badges = () => page.locator('[data-testid="history-item"] .badge').allTextContents();

    // All statuses: 10, 20, then the last 3; the button goes when there is nothing more.
    const all = await newestFirst();
    await listedCount(10);
    expect(await listed()).toEqual(all.slice(0, 10));
    await loadMore.click();
    await listedCount(20);
    expect(await listed()).toEqual(all.slice(0, 20));
    await loadMore.click();
    await listedCount(23);
    const everything = await listed();
    expect(everything).toEqual(all);
    expect(new Set(everything).size).toBe(23);
    expect(await loadMore.count()).toBe(0);

    // A filter starts over from its first page: only that status, newest first.
    await page.getByLabel("Status").selectOption("FAILED");
    await listedCount(7);
    expect(await listed()).toEqual(await newestFirst("FAILED"));
    expect(new Set(await badges())).toEqual(new Set(["Failed"]));
    expect(await loadMore.count()).toBe(0);

    await page.getByLabel("Status").selectOption("SUCCEEDED");
    const done = await newestFirst("SUCCEEDED");
    await listedCount(10);
    expect(await listed()).toEqual(done.slice(0, 10));
    await loadMore.click();
    await listedCount(12);
    expect(await listed()).toEqual(done);
    expect(new Set(await badges())).toEqual(new Set(["Done"]));
    expect(await loadMore.count()).toBe(0);

    await page.getByLabel("Status").selectOption("RUNNING");
    await page.getByText("No jobs with this status.").waitFor({ timeout: 20_000 });
    expect(await items.count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("serves the page with no-cache, the hashed bundle with a year of caching, and keeps the other paths", async () => {
    const home = await fetch(`${origin}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("cache-control")).toBe("no-cache");
    expect(home.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await home.text();
    expect(html).toContain("<title>Kinema Studio</title>");
    expect((await fetch(`${origin}/`, { headers: { "if-none-match": home.headers.get("etag")! } })).status).toBe(304);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const path of assets) {
      const asset = await fetch(`${origin}${path}`); // fetch asks for gzip and unpacks it
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(asset.headers.get("content-encoding")).toBe("gzip");
      expect((await asset.text()).length).toBeGreaterThan(1000);
    }
    for (const bad of ["/assets/nope.js", "/assets/..%2Fpackage.json", "/assets/.hidden.js", "/assets/"]) {
      expect((await fetch(`${origin}${bad}`)).status, bad).toBe(404);
    }
    expect(await (await fetch(`${origin}/graphql`, { headers: { accept: "text/html" } })).text()).toContain("GraphiQL");
    expect((await fetch(`${origin}/graphiql/graphiql.css`)).status).toBe(200);
    expect(await (await fetch(`${origin}/healthz`)).json()).toEqual({ ok: true });
  });
});
