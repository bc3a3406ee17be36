// The support console in the GraphQL IDE: a staff key signed in to the studio on the same origin opens
// the IDE with the saved staff operations in tabs and its Authorization header prefilled; a USER key gets
// the plain IDE. Every saved operation is valid against the schema and does its job with a SUPPORT key.
// The key never reaches a URL or the IDE's own storage.
import { parse, validate } from "graphql";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildSchema } from "../src/api/schema.js";
import { STAFF_EXAMPLES } from "../src/api/graphiql-examples.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { ensureStudioBuilt, launchChromium, watchProblems } from "./helpers/browser.js";
import { GENERATE } from "./helpers/graphql.js";

type Account = Awaited<ReturnType<TestKinema["account"]>>;
let db: TestDatabase;
let app: TestKinema;
let browser: Browser;
let context: BrowserContext | undefined;
let origin: string;
let support: Account;
let customer: Account;

beforeAll(async () => {
  const ready = ensureStudioBuilt().then(launchChromium).then((b) => { browser = b; });
  ready.catch(() => {});
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url });
  origin = new URL(app.url).origin;
  support = await app.account("PLUS", "SUPPORT");
  customer = await app.account("FREE", "USER");
  await ready;
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

const example = (title: string) => STAFF_EXAMPLES.find((e) => e.title === title)!;

describe("the staff IDE's saved operations", () => {
  it("are valid against the schema and work with a SUPPORT key", async () => {
    const schema = buildSchema();
    expect(STAFF_EXAMPLES.map((e) => e.title)).toEqual(["Customer's failed jobs", "Job timeline", "Cancel a job", "Suspend an account"]);
    for (const e of STAFF_EXAMPLES) {
      expect(validate(schema, parse(e.query)), e.title).toEqual([]);
      expect(() => JSON.parse(e.variables), e.title).not.toThrow();
    }
    const submit = async () => (await customer.client.data(GENERATE, { input: { prompt: "a kite above the dunes", durationSeconds: 1 } })).generateVideo.job.id as string;
    const failed = await submit();
    const queued = await submit();
    await app.kinema.pool.query(`UPDATE jobs SET status = 'FAILED', error_code = 'NAN_DETECTED', finished_at = now() WHERE id = $1`, [failed]);
    const run = (title: string, variables: Record<string, unknown>) => support.client.data(example(title).query, { ...JSON.parse(example(title).variables), ...variables });

    const { staffJobs } = await run("Customer's failed jobs", { accountId: customer.id });
    expect(staffJobs.nodes.map((n: { job: { id: string } }) => n.job.id)).toEqual([failed]);
    const { staffJob } = await run("Job timeline", { id: queued });
    expect(staffJob).toMatchObject({ job: { id: queued, status: "QUEUED" }, account: { id: customer.id } });
    expect(Array.isArray(staffJob.timeline) && Array.isArray(staffJob.attemptHistory)).toBe(true);
    const { staffCancelJob } = await run("Cancel a job", { id: queued });
    expect(staffCancelJob).toMatchObject({ job: { job: { id: queued, status: "CANCELLED" } }, userErrors: [] });
    const { suspendAccount } = await run("Suspend an account", { accountId: customer.id });
    expect(suspendAccount.userErrors).toEqual([]);
    expect(suspendAccount.account.suspendedAt).toBeTruthy();
    const audit = await app.kinema.pool.query(`SELECT action FROM audit_log WHERE actor_account_id = $1 ORDER BY id`, [support.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(["job.cancel", "account.suspend"]);
    await app.kinema.pool.query(`UPDATE accounts SET suspended_at = NULL, suspended_reason = NULL WHERE id = $1`, [customer.id]);
  });
});

/** Signs in to the studio with `key` (as a person does), then opens the IDE on the same origin. */
async function openIde(key: string): Promise<{ page: Page; problems: string[]; urls: string[] }> {
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems = watchProblems(page);
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));
  await page.goto(`${origin}/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("tier").waitFor({ timeout: 15_000 });
  await page.goto(`${origin}/graphql`);
  await page.locator(".graphiql-container").waitFor({ timeout: 20_000 });
  return { page, problems, urls };
}

// GraphiQL titles a tab with its operation's name.
const tabTitles = (page: Page) => page.locator(".graphiql-tab .graphiql-tab-button").allTextContents();
const OPERATIONS = STAFF_EXAMPLES.map((e) => /^(?:query|mutation) (\w+)/m.exec(e.query)![1]!);
const headersText = (page: Page) => page.evaluate(() => {
  const editors = (globalThis as any).document.querySelectorAll(".graphiql-editor-tool .CodeMirror");
  return Array.from(editors as ArrayLike<any>).map((e: any) => e.CodeMirror?.getValue() ?? "").join("\n");
});

describe("the GraphQL IDE for a signed-in key", () => {
  it("opens for staff with the saved operations in tabs and the Authorization header prefilled", { timeout: 120_000 }, async () => {
    const { page, problems, urls } = await openIde(support.key);
    await expect.poll(() => tabTitles(page), { timeout: 20_000 }).toEqual(OPERATIONS);
    expect(await headersText(page)).toContain(`"Authorization":"Bearer ${support.key}"`);
    // The first tab runs as is: the key went with it (a missing key would be UNAUTHENTICATED).
    await page.locator(".graphiql-tab").filter({ hasText: "JobTimeline" }).click();
    // the tab's operation becomes the one to run once the editor shows it (a click at once may still run the previous tab's)
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror?.getValue() ?? ""), { timeout: 10_000 }).toContain("query JobTimeline");
    await page.waitForTimeout(500);
    await page.getByRole("button", { name: /execute query/i }).click();
    await page.locator(".result-window").filter({ hasText: "\"staffJob\": null" }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: "test-results/support-ide.png" });
    // Neither a URL nor the IDE's storage holds the key (the studio's own kinema.apiKey excepted).
    expect(urls.filter((u) => u.includes(support.key))).toEqual([]);
    const readStorage = () => page.evaluate(() => {
      const storage = (globalThis as any).localStorage;
      return Object.keys(storage).filter((k) => k !== "kinema.apiKey").map((k) => `${k}=${storage.getItem(k)}`).join("\n");
    });
    // the IDE saves its tabs a moment after a change (debounced)
    await expect.poll(readStorage, { timeout: 10_000 }).toContain("graphiql:tabState");
    const stored = await readStorage();
    expect(stored).not.toContain(support.key);
    // Reopened: the stored tabs come back (headers blanked in storage), with the key again, in memory.
    await page.reload();
    await page.locator(".graphiql-container").waitFor({ timeout: 20_000 });
    // (GraphiQL itself may add a tab for the page's own query when it restores a stored set.)
    await expect.poll(() => tabTitles(page), { timeout: 20_000 }).toEqual(expect.arrayContaining(OPERATIONS));
    expect(await headersText(page)).toContain(`Bearer ${support.key}`);
    expect(problems).toEqual([]);
  });

  it("opens plain for a USER key: no saved staff operations, nothing prefilled", { timeout: 120_000 }, async () => {
    const user = await app.account("FREE", "USER");
    const { page, problems } = await openIde(user.key);
    // The role check has answered once the IDE rendered; give it a moment to settle either way.
    await page.locator(".graphiql-query-editor .CodeMirror").first().waitFor({ timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    const titles = await tabTitles(page);
    for (const name of OPERATIONS) expect(titles).not.toContain(name);
    expect(await headersText(page)).not.toContain(user.key);
    // Without a key the schema request is refused (401): the only problem logged.
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });
});
