// `kinema webhooks ...` as a person runs it: a child process against the API, a real receiver.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

const run = promisify(execFile);
let db: TestDatabase;
let app: TestKinema;
let receiver: WebhookReceiver;
let key: string;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await new WebhookReceiver().start();
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_WEBHOOK_ALLOWED_CIDRS: "127.0.0.1/32", KINEMA_WEBHOOK_POLL_MS: "100" } });
  key = (await app.account()).key;
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await receiver?.down();
  await db?.drop();
});

async function kinema(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "webhooks", ...args], {
      env: { ...process.env, KINEMA_URL: app.url, KINEMA_API_KEY: key },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it("creates, lists, tests, shows deliveries, rotates, disables and deletes an endpoint", async () => {
  const created = await kinema("create", receiver.url(), "--events", "job.succeeded,job.failed", "--description", "ci");
  expect(created.code).toBe(0);
  const secret = /signing secret \(shown once\): (whsec_\S+)/.exec(created.stdout)?.[1];
  expect(secret).toBeDefined();
  const id = /^([0-9a-f-]{36})/m.exec(created.stdout)![1]!;

  const listed = await kinema("list", "--json");
  expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, url: receiver.url(), events: ["job.succeeded", "job.failed"], enabled: true })]);
  expect(listed.stdout).not.toContain("whsec_");

  expect((await kinema("test", id)).code).toBe(0);
  await waitFor(async () => receiver.received.length === 1, 30_000, "the test event");
  const deliveries = await waitFor(async () => {
    const out = await kinema("deliveries", "--endpoint", id);
    return out.stdout.includes("DELIVERED") ? out : null;
  }, 30_000, "a delivered row");
  expect(deliveries.stdout).toMatch(/webhook\.test\s+DELIVERED/);
  expect(deliveries.stdout).toMatch(/200 \d+ ms/);

  const rotated = await kinema("rotate", id, "--grace", "60");
  expect(rotated.stdout).toMatch(/signing secret \(shown once\): whsec_/);
  expect(rotated.stdout).not.toContain(secret!);
  expect((await kinema("disable", id)).stdout).toMatch(/disabled: Disabled by the owner\./);
  expect((await kinema("delete", id)).stdout).toContain(`deleted ${id}`);

  const bad = await kinema("create", "http://10.0.0.1/", "--events", "job.exploded");
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/INVALID_URL/);
  expect(bad.stderr).toMatch(/INVALID_EVENTS/);
  expect((await kinema("deliveries")).code).toBe(2);
}, 120_000);
