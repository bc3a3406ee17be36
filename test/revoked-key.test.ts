// A revoked key, as the code stores revocation today (api_keys.revoked_at set on a key that was really
// issued and worked): refused over HTTP with UNAUTHENTICATED (401) for queries and mutations, and over
// WebSocket with close code 4401; nothing is queued with it; the account's other key keeps working.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey, newApiKey } from "../src/accounts/keys.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { collect, GENERATE, GraphQLTestClient } from "./helpers/graphql.js";

let db: TestDatabase;
let app: TestKinema;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_ALARM_INTERVAL_MS: "0", KINEMA_AUTH_CACHE_MS: String(AUTH_CACHE_MS) } });
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

// A revocation made outside this process (here: SQL) reaches it within the key cache's lifetime.
const AUTH_CACHE_MS = 500;

const INPUT = { prompt: "a blue square moving up", durationSeconds: 1, resolution: "R480P" };

/** Opens a socket with `key` and subscribes; resolves with the close code, or "open" if it stayed up. */
async function socketOutcome(key: string, jobId: string): Promise<number | "open"> {
  let code: number | null = null;
  const socket = new GraphQLTestClient(app.url, key).socket({ onClose: (c) => (code = c) });
  const sub = collect(socket, `subscription($id: ID!) { jobProgress(id: $id) { status } }`, { id: jobId });
  const first = await Promise.race([
    sub.done.then(() => "completed", () => "refused"),
    new Promise((resolve) => { const t = setInterval(() => { if (sub.events.length > 0) { clearInterval(t); resolve("event"); } }, 20); }),
  ]);
  await socket.dispose();
  return first === "event" ? "open" : (code ?? -1);
}

describe("a revoked key", () => {
  it("is refused on HTTP and WebSocket with its typed error, while the account's other key still works", async () => {
    const { id: accountId, key } = await app.account("PLUS");
    // A second key of the same account, stored the way AccountService stores keys.
    const spare = newApiKey();
    await app.kinema.prisma.apiKey.create({ data: { accountId, keyHash: spare.hash, prefix: spare.prefix } });

    // Before: the key works everywhere.
    const client = app.client(key);
    expect((await client.data(`{ me { id } }`)).me.id).toBe(accountId);
    const { generateVideo } = await client.data(GENERATE, { input: INPUT });
    const jobId = generateVideo.job.id as string;
    expect(await socketOutcome(key, jobId)).toBe("open");

    const revoked = await app.kinema.prisma.apiKey.update({ where: { keyHash: hashApiKey(key) }, data: { revokedAt: new Date() } });
    expect(revoked.revokedAt).not.toBeNull();

    const revokedAt = Date.now();
    let query = await client.request(`{ me { id } }`);
    while (query.status !== 401 && Date.now() - revokedAt < AUTH_CACHE_MS + 2_000) {
      await new Promise((r) => setTimeout(r, 50));
      query = await client.request(`{ me { id } }`);
    }
    expect(query.status).toBe(401);
    expect(query.data ?? null).toBeNull();
    expect(query.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const jobRead = await client.request(`query($id: ID!) { job(id: $id) { id } }`, { id: jobId });
    expect(jobRead.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const before = await app.kinema.prisma.job.count({ where: { accountId } });
    const mutation = await client.request(GENERATE, { input: INPUT });
    expect(mutation.status).toBe(401);
    expect(mutation.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await app.kinema.prisma.job.count({ where: { accountId } })).toBe(before);
    expect(await socketOutcome(key, jobId)).toBe(4401);

    // The same account through its other key: untouched.
    expect((await app.client(spare.key).data(`{ me { id } }`)).me.id).toBe(accountId);
    expect(await socketOutcome(spare.key, jobId)).toBe("open");
  });
});
