// The outbox trigger wakes the sender (migration 0017): with a poll interval of a minute, a job made
// SUCCEEDED by plain SQL (no queue statement, so no job event on the bus) is still delivered at once,
// and a burst of jobs is delivered in full with at most `concurrency` requests in flight.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { insertJobs } from "../bench/lib/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

let db: TestDatabase;
let app: TestKinema;
let receiver: WebhookReceiver;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await new WebhookReceiver().start();
  app = await startTestKinema({
    databaseUrl: db.url,
    env: { KINEMA_WEBHOOK_ALLOWED_CIDRS: "127.0.0.1/32", KINEMA_WEBHOOK_POLL_MS: "60000", KINEMA_WEBHOOK_CONCURRENCY: "4" },
  });
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await receiver?.down();
  await db?.drop();
});

const succeed = (ids: string[]) => app.kinema.pool.query(`UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', finished_at = now() WHERE id = ANY($1::uuid[])`, [ids]);

it("delivers an outbox row written by plain SQL without waiting for the poll, and a burst in full within the pool", async () => {
  const { client, id: accountId } = await app.account();
  const { createWebhookEndpoint } = await client.data(`mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["job.succeeded"]) { endpoint { id } } }`, { url: receiver.url("/wake") });
  expect(createWebhookEndpoint.endpoint.id).toBeTruthy();
  // Let the sender's first claim (at start) and the kick after it pass: from now only a wake-up claims.
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const [one] = await insertJobs(app.kinema.pool, accountId, 1);
  const committed = Date.now();
  await succeed([one!]);
  const first = await waitFor(async () => receiver.events((b) => b.data?.id === one)[0], 10_000, "the delivery woken by the trigger");
  expect(first.at - committed).toBeLessThan(10_000); // the poll is 60 s: only the NOTIFY can explain it

  // A slow receiver (20 ms an answer) that counts the requests open at once.
  let open = 0;
  let most = 0;
  const seen = new Set<string>();
  const slow = createServer((req, res) => {
    open++;
    most = Math.max(most, open);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => setTimeout(() => {
      seen.add((JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string } }).data.id);
      open--;
      res.writeHead(204).end();
    }, 20));
  });
  await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
  try {
    await client.data(`mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["job.succeeded"]) { endpoint { id } } }`,
      { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow` });
    const burst = await insertJobs(app.kinema.pool, accountId, 40);
    await succeed(burst);
    await waitFor(async () => burst.every((id) => seen.has(id)), 30_000, "every delivery of the burst");
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  } finally {
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  }
}, 60_000);
