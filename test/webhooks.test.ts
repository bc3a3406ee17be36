// Webhooks end to end against the real stack: PostgreSQL (the outbox trigger), the API, an in-process
// worker running test stages, and a real HTTP receiver on 127.0.0.1 (allowed by
// KINEMA_WEBHOOK_ALLOWED_CIDRS). Every delivery is verified with the reference `standardwebhooks` package.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressPolicy } from "../src/webhooks/address-policy.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { deliveringStage, steppingStage } from "./fixtures/stages.js";
import { WebhookReceiver, type ReceivedWebhook } from "./helpers/webhook-receiver.js";

const ALL_EVENTS = ["job.started", "job.progress", "job.succeeded", "job.failed", "job.blocked", "job.cancelled"];
const CREATE = `mutation($url: String!, $events: [String!]!, $description: String) {
  createWebhookEndpoint(url: $url, events: $events, description: $description) {
    endpoint { id url events enabled disabledReason } secret userErrors { code message field } } }`;
const DELIVERIES = `query($endpointId: ID, $jobId: ID) { webhookDeliveries(endpointId: $endpointId, jobId: $jobId) {
  id event state attempts lastError jobId attemptLog { succeeded responseStatus latencyMs error } } }`;
const TEST = `mutation($id: ID!) { sendTestWebhook(endpointId: $id) { delivery { id event state } userErrors { code } } }`;

let db: TestDatabase;
let app: TestKinema;
let receiver: WebhookReceiver;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await new WebhookReceiver().start();
  app = await startTestKinema({
    databaseUrl: db.url, workers: 1, stages: [steppingStage(40), deliveringStage()],
    env: {
      KINEMA_FREE_STEPS: "12", KINEMA_WEBHOOK_ALLOWED_CIDRS: "127.0.0.1/32", KINEMA_WEBHOOK_POLL_MS: "100",
      KINEMA_WEBHOOK_RETRY_BASE_MS: "100", KINEMA_WEBHOOK_RETRY_MAX_MS: "400", KINEMA_WEBHOOK_RETRY_WINDOW_MS: "4000",
      KINEMA_WEBHOOK_TIMEOUT_MS: "2000", KINEMA_WEBHOOK_PROGRESS_INTERVAL_MS: "150",
    },
  });
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await receiver?.down();
  await db?.drop();
});

function headersOf(hook: ReceivedWebhook): Record<string, string> {
  return { "webhook-id": String(hook.headers["webhook-id"]), "webhook-timestamp": String(hook.headers["webhook-timestamp"]), "webhook-signature": String(hook.headers["webhook-signature"]) };
}

async function endpoint(client: TestKinema["client"] extends (k: string) => infer C ? C : never, url: string, events = ALL_EVENTS) {
  const { createWebhookEndpoint: r } = await client.data(CREATE, { url, events, description: "test" });
  expect(r.userErrors).toEqual([]);
  expect(r.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
  return { id: r.endpoint.id as string, secret: r.secret as string };
}

describe("webhooks", () => {
  it("deliver a job's lifecycle, signed (verified by standardwebhooks), in order, to an endpoint and the job's one-off URL", async () => {
    const { client } = await app.account();
    const ep = await endpoint(client, receiver.url("/endpoint"));
    // The secret is never listed.
    const listed = await client.data(`{ webhookEndpoints { id url events enabled } }`);
    expect(JSON.stringify(listed)).not.toContain("whsec_");
    const { generateVideo } = await client.data(`mutation($input: GenerateVideoInput!) { generateVideo(input: $input) {
      job { id } webhookSecret userErrors { code } } }`, { input: { prompt: "a lighthouse at dusk", durationSeconds: 1, webhookUrl: receiver.url("/one-off") } });
    expect(generateVideo.userErrors).toEqual([]);
    const jobId = generateVideo.job.id as string;
    expect(generateVideo.webhookSecret).toMatch(/^whsec_/);

    const forJob = (path: string) => receiver.events((b) => b.data?.id === jobId).filter((r) => r.path === path);
    await waitFor(async () => forJob("/endpoint").some((r) => r.json.type === "job.succeeded") && forJob("/one-off").some((r) => r.json.type === "job.succeeded"), 60_000, "job.succeeded at both");

    for (const [path, secret] of [["/endpoint", ep.secret], ["/one-off", generateVideo.webhookSecret]] as const) {
      const hooks = forJob(path);
      for (const hook of hooks) expect(() => new Webhook(secret).verify(hook.body, headersOf(hook))).not.toThrow();
      const types = hooks.map((h) => h.json.type);
      // In order: started, then progress (throttled: 12 steps of 40 ms at most one per 150 ms), then succeeded.
      expect(types[0]).toBe("job.started");
      expect(types.at(-1)).toBe("job.succeeded");
      const progress = types.filter((t) => t === "job.progress");
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress.length).toBeLessThan(12);
      expect(types.slice(1, -1).every((t) => t === "job.progress")).toBe(true);
      const done = hooks.at(-1)!.json.data;
      expect(done).toMatchObject({ id: jobId, status: "SUCCEEDED", stage: "DONE", prompt: "a lighthouse at dusk", stepsCompleted: 12 });
      expect(done.video.url).toMatch(/\/files\/videos\//);
      expect(done.video.key).toBeUndefined();
      expect(hooks[0]!.json.data.status).toBe("RUNNING");
    }
    // The other endpoint's secret does not verify this one's deliveries.
    const oneOff = forJob("/one-off")[0]!;
    expect(() => new Webhook(ep.secret).verify(oneOff.body, headersOf(oneOff))).toThrow();

    // The receiver has each request before its sender has the response and records it: wait for the records.
    const received = forJob("/endpoint").length + forJob("/one-off").length;
    let webhookDeliveries: { state: string; attemptLog: { latencyMs: number }[] }[] = [];
    await waitFor(async () => {
      ({ webhookDeliveries } = await client.data(DELIVERIES, { jobId }));
      return webhookDeliveries.length === received && webhookDeliveries.every((d) => d.state !== "PENDING");
    }, 10_000, "every delivery recorded");
    expect(webhookDeliveries.length).toBe(received);
    for (const d of webhookDeliveries) {
      expect(d.state).toBe("DELIVERED");
      expect(d.attemptLog[0]).toMatchObject({ succeeded: true, responseStatus: 200, error: null });
      expect(d.attemptLog[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);

  it("a tampered body, a stale timestamp or a wrong secret is rejected by the reference verifier", async () => {
    const { client } = await app.account();
    const ep = await endpoint(client, receiver.url("/sig"));
    await client.data(TEST, { id: ep.id });
    const hook = await waitFor(async () => receiver.received.find((r) => r.path === "/sig"), 30_000, "the test event");
    const wh = new Webhook(ep.secret);
    expect(wh.verify(hook.body, headersOf(hook))).toMatchObject({ type: "webhook.test" });
    expect(() => wh.verify(hook.body.replace("test event", "test evenT"), headersOf(hook))).toThrow();
    expect(() => wh.verify(hook.body, { ...headersOf(hook), "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 3600) })).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 7).toString("base64")}`).verify(hook.body, headersOf(hook))).toThrow();
  }, 60_000);

  it("refuses private, loopback, link-local and metadata addresses, and never follows a redirect", async () => {
    const { client } = await app.account();
    for (const url of ["http://169.254.169.254/latest/meta-data", "http://10.0.0.5/hook", "http://127.0.0.2:80/hook", "http://[::1]/hook", "ftp://example.com/x", "http://[::ffff:10.1.2.3]/"]) {
      const { createWebhookEndpoint: r } = await client.data(CREATE, { url, events: ["job.succeeded"] });
      expect(r.endpoint, url).toBeNull();
      expect(r.userErrors[0]).toMatchObject({ code: "INVALID_URL", field: ["url"] });
    }
    const { generateVideo } = await client.data(`mutation { generateVideo(input: { prompt: "x", webhookUrl: "http://192.168.1.1/" }) { job { id } userErrors { code field } } }`);
    expect(generateVideo).toMatchObject({ job: null, userErrors: [{ code: "INVALID_URL", field: ["input", "webhookUrl"] }] });
    // Without an allow-list, loopback itself is refused (every resolved address is checked).
    const strict = new AddressPolicy([], async () => [{ address: "93.184.216.34", family: 4 }, { address: "127.0.0.1", family: 4 }]);
    expect(await strict.check("http://127.0.0.1/")).toMatchObject({ ok: false });
    expect(await strict.check("http://rebinding.example/")).toMatchObject({ ok: false });
    expect(await new AddressPolicy([], async () => [{ address: "93.184.216.34", family: 4 }]).check("https://example.com/")).toMatchObject({ ok: true });

    // A redirect to another loopback receiver is not followed: the attempt fails and the target hears nothing.
    const target = await new WebhookReceiver().start();
    try {
      const ep = await endpoint(client, receiver.url("/redirect"));
      receiver.respond = (h) => (h.path === "/redirect" ? { status: 302, location: target.url("/stolen") } : 200);
      await client.data(TEST, { id: ep.id });
      const { webhookDeliveries } = await waitFor(async () => {
        const res = await client.data(DELIVERIES, { endpointId: ep.id });
        return res.webhookDeliveries[0]?.attemptLog.length >= 1 ? res : null;
      }, 30_000, "an attempt");
      expect(webhookDeliveries[0].attemptLog[0]).toMatchObject({ succeeded: false, responseStatus: 302, error: "redirect (302) not followed" });
      expect(target.received).toEqual([]);
    } finally {
      receiver.respond = () => 200;
      await target.down();
    }
  }, 60_000);

  it("rotation: both secrets sign during the grace period; only the new one after it", async () => {
    const { client } = await app.account();
    const ep = await endpoint(client, receiver.url("/rotate"));
    const rotate = `mutation($id: ID!, $grace: Int!) { rotateWebhookSecret(id: $id, gracePeriodSeconds: $grace) { secret endpoint { previousSecretExpiresAt } userErrors { code } } }`;
    const { rotateWebhookSecret: r1 } = await client.data(rotate, { id: ep.id, grace: 3600 });
    expect(r1.secret).toMatch(/^whsec_/);
    expect(r1.secret).not.toBe(ep.secret);
    await client.data(TEST, { id: ep.id });
    const first = await waitFor(async () => receiver.received.find((r) => r.path === "/rotate"), 30_000, "a delivery");
    expect(String(first.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(() => new Webhook(ep.secret).verify(first.body, headersOf(first))).not.toThrow();
    expect(() => new Webhook(r1.secret).verify(first.body, headersOf(first))).not.toThrow();

    const { rotateWebhookSecret: r2 } = await client.data(rotate, { id: ep.id, grace: 0 });
    await client.data(TEST, { id: ep.id });
    const second = await waitFor(async () => receiver.received.filter((r) => r.path === "/rotate")[1], 30_000, "a second delivery");
    expect(String(second.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(() => new Webhook(r2.secret).verify(second.body, headersOf(second))).not.toThrow();
    expect(() => new Webhook(r1.secret).verify(second.body, headersOf(second))).toThrow();
    const { rotateWebhookSecret: bad } = await client.data(rotate, { id: ep.id, grace: -1 });
    expect(bad.userErrors[0].code).toBe("INVALID_GRACE_PERIOD");
  }, 60_000);

  it("a receiver down for a while gets the delivery after retries; one down for the whole window disables the endpoint", async () => {
    const { client } = await app.account();
    const flaky = await new WebhookReceiver().start();
    const ep = await endpoint(client, flaky.url());
    await flaky.down();
    const { sendTestWebhook } = await client.data(TEST, { id: ep.id });
    await waitFor(async () => (await client.data(DELIVERIES, { endpointId: ep.id })).webhookDeliveries[0].attemptLog.length >= 2, 30_000, "two failed attempts");
    await flaky.up();
    await waitFor(async () => flaky.received.length === 1, 30_000, "the delivery after the receiver came back");
    // The receiver answered before the sender recorded it: wait for the record.
    const d = await waitFor(async () => {
      const [latest] = (await client.data(DELIVERIES, { endpointId: ep.id })).webhookDeliveries;
      return latest.state !== "PENDING" ? latest : null;
    }, 30_000, "the attempt recorded");
    expect(d).toMatchObject({ id: sendTestWebhook.delivery.id, state: "DELIVERED" });
    expect(d.attempts).toBeGreaterThanOrEqual(3);
    expect(d.attemptLog.at(-1)).toMatchObject({ succeeded: true, responseStatus: 200 });
    expect(d.attemptLog[0].succeeded).toBe(false);
    expect(d.attemptLog[0].error).toMatch(/ECONNREFUSED/);

    // Down for longer than the retry window (4 s here, a day by default): the delivery fails, the endpoint is disabled.
    await flaky.down();
    await client.data(TEST, { id: ep.id });
    const disabled = await waitFor(async () => {
      const { webhookEndpoints } = await client.data(`{ webhookEndpoints { id enabled disabledReason } }`);
      return webhookEndpoints.find((e: { enabled: boolean }) => !e.enabled);
    }, 40_000, "the endpoint disabled");
    expect(disabled.disabledReason).toMatch(/^Every delivery failed since .*ECONNREFUSED/);
    // Redelivery of the failed one after re-enabling: same webhook-id, delivered.
    await flaky.up();
    const failed = await waitFor(async () => (await client.data(DELIVERIES, { endpointId: ep.id })).webhookDeliveries.find((x: { state: string }) => x.state === "FAILED"), 30_000, "a failed delivery");
    await client.data(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: true) { endpoint { enabled disabledReason } } }`, { id: ep.id });
    const { redeliverWebhook } = await client.data(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { delivery { id state } userErrors { code } } }`, { id: failed.id });
    expect(redeliverWebhook.userErrors).toEqual([]);
    await waitFor(async () => flaky.received.length === 2, 30_000, "the redelivery");
    expect(flaky.received[1]!.headers["webhook-id"]).toBe(`msg_${failed.id}`);
    await flaky.down();
  }, 120_000);

  it("keeps a job's events in order while an earlier one is retried", async () => {
    const { client } = await app.account();
    const ep = await endpoint(client, receiver.url("/ordered"), ["job.started", "job.succeeded"]);
    let refusals = 0;
    receiver.respond = (h) => (h.path === "/ordered" && h.body.includes('"job.started"') && refusals++ < 3 ? 503 : 200);
    try {
      const { generateVideo } = await client.data(`mutation { generateVideo(input: { prompt: "ordered", durationSeconds: 1 }) { job { id } } }`);
      const jobId = generateVideo.job.id;
      await waitFor(async () => receiver.events((b) => b.data?.id === jobId && b.type === "job.succeeded").length === 1, 60_000, "job.succeeded");
      const types = receiver.events((b) => b.data?.id === jobId).map((r) => r.json.type);
      expect(types).toEqual(["job.started", "job.succeeded"]);
      expect(refusals).toBeGreaterThanOrEqual(3);
      const { webhookDeliveries } = await client.data(DELIVERIES, { endpointId: ep.id });
      expect(webhookDeliveries.find((d: { event: string }) => d.event === "job.started").attempts).toBe(4);
    } finally {
      receiver.respond = () => 200;
    }
  }, 90_000);

  it("is owner-scoped: another account's endpoint and delivery ids answer as not found", async () => {
    const owner = await app.account();
    const other = await app.account();
    const ep = await endpoint(owner.client, receiver.url("/scoped"));
    const { sendTestWebhook } = await owner.client.data(TEST, { id: ep.id });
    expect((await other.client.data(TEST, { id: ep.id })).sendTestWebhook.userErrors[0].code).toBe("NOT_FOUND");
    expect((await other.client.data(DELIVERIES, { endpointId: ep.id })).webhookDeliveries).toEqual([]);
    const del = await other.client.data(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedId userErrors { code } } }`, { id: ep.id });
    expect(del.deleteWebhookEndpoint).toEqual({ deletedId: null, userErrors: [{ code: "NOT_FOUND" }] });
    const re = await other.client.data(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { delivery { id } userErrors { code } } }`, { id: sendTestWebhook.delivery.id });
    expect(re.redeliverWebhook.userErrors[0].code).toBe("NOT_FOUND");
    const up = await other.client.data(`mutation($id: ID!) { disableWebhookEndpoint(id: $id) { endpoint { id } userErrors { code } } }`, { id: ep.id });
    expect(up.disableWebhookEndpoint.userErrors[0].code).toBe("NOT_FOUND");
    const bad = await owner.client.data(CREATE, { url: receiver.url(), events: ["job.started", "job.exploded"] });
    expect(bad.createWebhookEndpoint.userErrors[0]).toMatchObject({ code: "INVALID_EVENTS", field: ["events"] });
  }, 60_000);
});
