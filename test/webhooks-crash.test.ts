// Durability of the webhook outbox: an API process killed (SIGKILL, at the fault point "webhook:claimed")
// after the event was committed and claimed but before anything was sent loses nothing: the claim's
// lease runs out and the restarted process delivers it, signed, with the same webhook-id.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AccountService } from "../src/accounts/accounts.js";
import { createPool } from "../src/db/pool.js";
import { createPrisma } from "../src/db/prisma.js";
import { waitFor } from "./helpers/app.js";
import { killApis, spawnApi, type ApiProcess } from "./helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { GraphQLTestClient } from "./helpers/graphql.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

let db: TestDatabase;
let receiver: WebhookReceiver;
const apis: ApiProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await killApis(apis);
  await receiver?.down();
  await db?.drop();
});

it("an API process killed between the event's commit and its send delivers it after a restart", async () => {
  const env = {
    DATABASE_URL: db.url, KINEMA_EMBEDDED_WORKER: "false", KINEMA_WEBHOOK_ALLOWED_CIDRS: "127.0.0.1/32",
    KINEMA_WEBHOOK_POLL_MS: "100", KINEMA_WEBHOOK_TIMEOUT_MS: "1000", KINEMA_TEST_QUIET: "1",
  };
  const first = spawnApi("api-crash", { ...env, KINEMA_FAULT_POINT: "webhook:claimed" });
  apis.push(first);
  const prisma = createPrisma(db.url, 1);
  const pool = createPool(db.url, 1);
  try {
    const { apiKey } = await new AccountService(prisma).create({ name: "crash", tier: "FREE" });
    const client = new GraphQLTestClient(await first.url, apiKey);
    const { createWebhookEndpoint: ep } = await client.data(`mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["job.succeeded"]) {
      endpoint { id } secret } }`, { url: receiver.url() });
    const { sendTestWebhook } = await client.data(`mutation($id: ID!) { sendTestWebhook(endpointId: $id) { delivery { id } } }`, { id: ep.endpoint.id });
    const deliveryId = sendTestWebhook.delivery.id;
    // The sender claims it and dies at the fault point, before any request.
    expect(await first.exited).toBeNull();
    const { rows: [claimed] } = await pool.query(`SELECT state, attempts FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
    expect(claimed).toEqual({ state: "PENDING", attempts: 1 });
    expect(receiver.received).toEqual([]);

    const second = spawnApi("api-restarted", env);
    apis.push(second);
    await second.url;
    // The claim's lease (2 x 1 s timeout + 5 s) runs out, then the new process sends it.
    const hook = await waitFor(async () => receiver.received[0], 60_000, "the delivery after the restart");
    expect(hook.headers["webhook-id"]).toBe(`msg_${deliveryId}`);
    expect(new Webhook(ep.secret).verify(hook.body, {
      "webhook-id": String(hook.headers["webhook-id"]), "webhook-timestamp": String(hook.headers["webhook-timestamp"]), "webhook-signature": String(hook.headers["webhook-signature"]),
    })).toMatchObject({ type: "webhook.test" });
    await waitFor(async () => (await pool.query(`SELECT state FROM webhook_deliveries WHERE id = $1`, [deliveryId])).rows[0].state === "DELIVERED", 30_000, "DELIVERED");
    expect(receiver.received).toHaveLength(1);
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}, 180_000);
