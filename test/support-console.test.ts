// The studio's Support area in headless Chromium, against the real API (no worker, so submitted jobs stay
// queued): a SUPPORT key finds another account's jobs, opens one, reads its timeline, cancels it with a
// reason (one audit row), and sees a refused action's userErrors; a USER key never sees the area, and the
// API refuses its fields anyway. Also for every key: the prompt form offers the model card's prompts.
// Screenshots go where the studio's own go (test-results/).
import { mkdir } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { ensureStudioBuilt, launchChromium, watchProblems } from "./helpers/browser.js";
import { GENERATE } from "./helpers/graphql.js";
import { EXAMPLE_PROMPTS } from "../model/kinema-tiny/config.js";
import { insertRows, type JobRow } from "./helpers/ops.js";

const SCREENSHOTS = "test-results";
type Account = Awaited<ReturnType<TestKinema["account"]>>;
let db: TestDatabase;
let app: TestKinema;
let browser: Browser;
let context: BrowserContext | undefined;
let origin: string;
let support: Account;
let customer: Account;
let bystander: Account;
const jobIds: string[] = [];

async function submit(who: Account, prompt: string): Promise<string> {
  const { generateVideo } = await who.client.data(GENERATE, { input: { prompt, durationSeconds: 1 } });
  expect(generateVideo.userErrors).toEqual([]);
  return generateVideo.job.id;
}

beforeAll(async () => {
  const ready = ensureStudioBuilt().then(launchChromium).then((b) => { browser = b; });
  ready.catch(() => {});
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
  origin = new URL(app.url).origin;
  support = await app.account("PLUS", "SUPPORT");
  customer = await app.account("FREE", "USER");
  bystander = await app.account("PLUS", "USER");
  await app.kinema.pool.query(`UPDATE accounts SET name = 'Customer Wren' WHERE id = $1`, [customer.id]);
  for (const prompt of ["a paper lantern over the river", "a kite above the dunes", "a tram in the fog"]) jobIds.push(await submit(customer, prompt));
  await submit(bystander, "a lighthouse beam sweeping over waves");
  await ready;
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

async function signIn(account: Account): Promise<{ page: Page; problems: string[] }> {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${origin}/`);
  await page.getByLabel("API key").fill(account.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("tier").waitFor({ timeout: 15_000 });
  return { page, problems };
}

const listed = (page: Page) => page.getByTestId("staff-job").locator(".prompt-text").allTextContents();
const settled = (page: Page, count: number) => page.waitForFunction(
  (n) => (globalThis as any).document.querySelectorAll('[data-testid="staff-job"]').length === n
    && !(globalThis as any).document.querySelector('[aria-busy="true"]'), count, { timeout: 20_000 });

describe("the Support area", () => {
  it("lets a SUPPORT key find another account's jobs, read a job's timeline and cancel it with a reason", { timeout: 120_000 }, async () => {
    const { page, problems } = await signIn(support);
    expect(await page.getByTestId("role").textContent()).toBe("SUPPORT");
    await page.getByRole("link", { name: "Support" }).click();
    // Every account's jobs, newest first.
    await settled(page, 4);
    expect(await listed(page)).toEqual(["a lighthouse beam sweeping over waves", "a tram in the fog", "a kite above the dunes", "a paper lantern over the river"]);

    // The customer by name (looked up to its id), then by prompt words within it.
    await page.getByLabel("Account", { exact: true }).fill("Customer Wren");
    await page.getByRole("button", { name: "Search" }).click();
    await settled(page, 3);
    expect(await listed(page)).toEqual(["a tram in the fog", "a kite above the dunes", "a paper lantern over the river"]);
    await page.getByLabel("Prompt words").fill("lantern");
    await page.getByRole("button", { name: "Search" }).click();
    await settled(page, 1);
    await page.screenshot({ path: `${SCREENSHOTS}/support-search.png`, fullPage: true });

    // The job: owner, status, and the timeline as the API returns it.
    await page.getByTestId("staff-job").first().click();
    await page.getByTestId("staff-job-account").filter({ hasText: "Customer Wren" }).waitFor({ timeout: 15_000 });
    expect(page.url()).toContain(`#/support/jobs/${jobIds[0]}`);
    const { staffJob } = await support.client.data(`query($id: ID!) { staffJob(id: $id) { timeline { event { kind } } } }`, { id: jobIds[0] });
    if (staffJob.timeline.length === 0) {
      expect(await page.getByTestId("timeline-empty").textContent()).toMatch(/No events yet/);
    } else {
      expect(await page.getByTestId("timeline-event").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind"))))
        .toEqual(staffJob.timeline.map((e: { event: { kind: string } }) => e.event.kind));
    }

    // Cancel: refused locally without a reason (nothing sent, no audit row), then done with one.
    const cancel = page.locator("form.action").filter({ hasText: "Cancel this job" });
    await cancel.getByRole("button", { name: "Cancel job" }).click();
    await cancel.getByText("Give a reason").waitFor();
    await cancel.getByLabel(/Reason/).fill("Customer asked by email to stop it (ticket 4711)");
    await cancel.getByRole("button", { name: "Cancel job" }).click();
    await page.getByTestId("staff-job-status").filter({ hasText: "Cancelled" }).waitFor({ timeout: 15_000 });
    await page.getByText("Job cancelled.").waitFor();
    const audit = await app.kinema.pool.query(`SELECT actor_account_id, actor_role, action, reason FROM audit_log WHERE target_id = $1`, [jobIds[0]]);
    expect(audit.rows).toEqual([{ actor_account_id: support.id, actor_role: "SUPPORT", action: "job.cancel", reason: "Customer asked by email to stop it (ticket 4711)" }]);
    const { job } = await customer.client.data(`query($id: ID!) { job(id: $id) { status } }`, { id: jobIds[0] });
    expect(job.status).toBe("CANCELLED");
    // SUPPORT is offered what SUPPORT may do: no reactivation or tier change (admins' actions).
    expect(await page.getByRole("button", { name: "Suspend account" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Change tier" }).count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/support-job.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it("shows a refused action's userErrors", { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn(support);
    await page.goto(`${origin}/#/support/jobs/${jobIds[1]}`);
    const cancel = page.locator("form.action").filter({ hasText: "Cancel this job" });
    await cancel.waitFor({ timeout: 15_000 });
    // The owner cancels it meanwhile: the staff cancel is refused with JOB_FINISHED, shown as such.
    const { cancelJob } = await customer.client.data(`mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`, { id: jobIds[1] });
    expect(cancelJob.userErrors).toEqual([]);
    await cancel.getByLabel(/Reason/).fill("duplicate of ticket 4711");
    await cancel.getByRole("button", { name: "Cancel job" }).click();
    const refused = cancel.getByRole("alert");
    await refused.waitFor({ timeout: 15_000 });
    expect(await refused.textContent()).toContain("JOB_FINISHED");
    const audit = await app.kinema.pool.query(`SELECT 1 FROM audit_log WHERE target_id = $1`, [jobIds[1]]);
    expect(audit.rowCount).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/support-refused.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it("filters by status and error code, and pages with Load more, newest first", { timeout: 90_000 }, async () => {
    // 23 failed jobs (NAN_DETECTED) of another account, a minute apart: 20, then 3 more.
    const many = await app.account("FREE");
    const rows: JobRow[] = Array.from({ length: 23 }, (_, i) => ({ tier: "FREE", status: "FAILED", createdAgo: 60 * (i + 1), finishedAgo: 60 * i + 30, errorCode: "NAN_DETECTED" }));
    const ids = await insertRows(app.kinema.pool, many.id, rows); // newest first
    const { page, problems } = await signIn(support);
    await page.getByRole("link", { name: "Support" }).click();
    await page.getByLabel("Status").selectOption("FAILED");
    await page.getByLabel("Error code").fill("NAN_DETECTED");
    await page.getByRole("button", { name: "Search" }).click();
    await settled(page, 20);
    const hrefs = () => page.getByTestId("staff-job").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(await hrefs()).toEqual(ids.slice(0, 20).map((id) => `#/support/jobs/${id}`));
    await page.getByRole("button", { name: "Load more" }).click();
    await settled(page, 23);
    expect(await hrefs()).toEqual(ids.map((id) => `#/support/jobs/${id}`));
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("lets an ADMIN change a tier, suspend and reactivate, each with one audit row", { timeout: 120_000 }, async () => {
    const admin = await app.account("PLUS", "ADMIN");
    const owner = await app.account("PLUS", "USER");
    const jobId = await submit(owner, "a tram in the fog");
    const { page, problems } = await signIn(admin);
    await page.goto(`${origin}/#/support/jobs/${jobId}`);
    const action = (title: string) => page.locator("form.action").filter({ hasText: title });
    await action("Change the tier").waitFor({ timeout: 15_000 });
    await action("Change the tier").getByLabel("New tier").selectOption("FREE");
    await action("Change the tier").getByLabel(/Reason/).fill("downgrade requested by the customer");
    await action("Change the tier").getByRole("button", { name: "Change tier" }).click();
    await page.getByText("Tier changed; new jobs get its limits.").waitFor({ timeout: 15_000 });
    await page.getByText("PLUS (account: FREE)").waitFor({ timeout: 15_000 });
    await action("Suspend the account").getByLabel(/Reason/).fill("chargeback");
    await action("Suspend the account").getByRole("button", { name: "Suspend account" }).click();
    await page.getByTestId("staff-job-status").filter({ hasText: "Cancelled" }).waitFor({ timeout: 15_000 });
    await action("Reactivate the account").getByLabel(/Reason/).fill("chargeback withdrawn");
    await action("Reactivate the account").getByRole("button", { name: "Reactivate account" }).click();
    await page.getByText("Account reactivated.").waitFor({ timeout: 15_000 });
    await action("Suspend the account").waitFor({ timeout: 15_000 });
    const audit = await app.kinema.pool.query(`SELECT action, reason FROM audit_log WHERE actor_account_id = $1 ORDER BY id`, [admin.id]);
    expect(audit.rows).toEqual([
      { action: "account.setTier", reason: "downgrade requested by the customer" },
      { action: "account.suspend", reason: "chargeback" },
      { action: "account.reactivate", reason: "chargeback withdrawn" },
    ]);
    expect(problems).toEqual([]);
  });

  it("is not shown to a USER key, and the API refuses its fields", { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn(customer);
    await page.getByRole("link", { name: "History" }).waitFor();
    expect(await page.getByRole("link", { name: "Support" }).count()).toBe(0);
    expect(await page.getByTestId("role").count()).toBe(0);
    await page.goto(`${origin}/#/support`);
    await page.getByRole("alert").filter({ hasText: "Support is for staff keys" }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("staff-job").count()).toBe(0);
    const refused = await customer.client.request(`{ staffJobs(first: 5) { nodes { job { id } } } }`);
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(problems).toEqual([]);
  });
});

describe("the studio's example prompts", () => {
  it("come from the model's card: the placeholder is its first, and a click fills the prompt", { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn(bystander);
    const examples = page.getByTestId("example-prompt");
    await examples.first().waitFor({ timeout: 15_000 });
    expect(await examples.allTextContents()).toEqual([...EXAMPLE_PROMPTS]);
    expect(await page.getByLabel("Prompt", { exact: true }).getAttribute("placeholder")).toBe(EXAMPLE_PROMPTS[0]);
    await examples.nth(1).click();
    expect(await page.getByLabel("Prompt", { exact: true }).inputValue()).toBe(EXAMPLE_PROMPTS[1]);
    await page.screenshot({ path: `${SCREENSHOTS}/studio-examples.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
});
