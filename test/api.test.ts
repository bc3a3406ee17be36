// The GraphQL API over real HTTP and sockets against real PostgreSQL: validation, tier limits, auth,
// account isolation, idempotency, cancel of a queued job, limits on abusive requests, the IDE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { collect, GENERATE, GraphQLTestClient, PROGRESS } from "./helpers/graphql.js";

let db: TestDatabase;
let app: TestKinema;

beforeAll(async () => {
  db = await createTestDatabase();
  // No workers: jobs stay queued. A low depth limit, since this schema's natural depth is small.
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_MAX_QUERY_DEPTH: "3" } });
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const input = (over: Record<string, unknown> = {}) => ({ prompt: "a red circle moving left", durationSeconds: 2, resolution: "R480P", ...over });

describe("generateVideo", () => {
  it("queues a job with the tier's step budget and the resolution's geometry", async () => {
    const free = await app.account("FREE");
    const { generateVideo } = await free.client.data(GENERATE, { input: input({ seed: 7 }) });
    expect(generateVideo.userErrors).toEqual([]);
    expect(generateVideo.job).toMatchObject({ status: "QUEUED", stage: "QUEUED", tier: "FREE", stepBudget: 30, seed: 7, width: 854, height: 480 });
    const plus = await app.account("PLUS");
    const { generateVideo: p } = await plus.client.data(GENERATE, { input: input({ resolution: "R1080P" }) });
    expect(p.job).toMatchObject({ tier: "PLUS", stepBudget: 50, width: 1920, height: 1080 });
    expect(p.job.seed).toBeGreaterThanOrEqual(0);
  });

  it("reports every invalid field as a userError and queues nothing", async () => {
    const free = await app.account("FREE");
    const { generateVideo } = await free.client.data(GENERATE, { input: input({ prompt: "   ", durationSeconds: 11, seed: -1 }) });
    expect(generateVideo.job).toBeNull();
    expect(generateVideo.userErrors.map((e: { field: string[] }) => e.field.at(-1)).sort()).toEqual(["durationSeconds", "prompt", "seed"]);
    expect(new Set(generateVideo.userErrors.map((e: { code: string }) => e.code))).toEqual(new Set(["INVALID_INPUT"]));
    const long = await free.client.data(GENERATE, { input: input({ prompt: "x".repeat(2001) }) });
    expect(long.generateVideo.userErrors[0]).toMatchObject({ code: "INVALID_INPUT", field: ["input", "prompt"] });
    const { jobs } = await free.client.data(`{ jobs { nodes { id } } }`);
    expect(jobs.nodes).toEqual([]);
  });

  it("refuses a resolution above the tier with TIER_LIMIT, never downgrading", async () => {
    const free = await app.account("FREE");
    const { generateVideo } = await free.client.data(GENERATE, { input: input({ resolution: "R720P" }) });
    expect(generateVideo.job).toBeNull();
    expect(generateVideo.userErrors).toEqual([expect.objectContaining({ code: "TIER_LIMIT", field: ["input", "resolution"] })]);
  });

  it("takes no step budget from the client", async () => {
    const free = await app.account("FREE");
    const res = await free.client.request(GENERATE, { input: input({ stepBudget: 500 }) });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("returns the same job for the same idempotency key, and refuses the key for another request", async () => {
    const free = await app.account("FREE");
    const first = await free.client.data(GENERATE, { input: input({ idempotencyKey: "k1" }) });
    const again = await Promise.all([1, 2, 3].map(() => free.client.data(GENERATE, { input: input({ idempotencyKey: "k1" }) })));
    for (const r of again) expect(r.generateVideo.job.id).toBe(first.generateVideo.job.id);
    const other = await free.client.data(GENERATE, { input: input({ idempotencyKey: "k1", prompt: "something else" }) });
    expect(other.generateVideo.userErrors[0].code).toBe("IDEMPOTENCY_KEY_REUSED");
    // Another account's key space is its own.
    const someoneElse = await app.account("FREE");
    const theirs = await someoneElse.client.data(GENERATE, { input: input({ idempotencyKey: "k1" }) });
    expect(theirs.generateVideo.job.id).not.toBe(first.generateVideo.job.id);
    const { jobs } = await free.client.data(`{ jobs { nodes { id } } }`);
    expect(jobs.nodes).toHaveLength(1);
  });
});

describe("authentication and isolation", () => {
  it("refuses a missing or bad key with UNAUTHENTICATED", async () => {
    const anonymous = new GraphQLTestClient(app.url, null);
    const none = await anonymous.request(`{ me { id } }`);
    expect(none.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const bad = await new GraphQLTestClient(app.url, "kin_not-a-real-key").request(`{ me { id } }`);
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const mutation = await anonymous.request(GENERATE, { input: input() });
    expect(mutation.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("closes a socket without a valid key with 4401", async () => {
    for (const key of [null, "kin_wrong"]) {
      let code = 0;
      const socket = new GraphQLTestClient(app.url, key).socket({ onClose: (c) => (code = c) });
      await expect(collect(socket, `subscription { jobProgress(id: "x") { status } }`, {}).done).rejects.toBeTruthy();
      expect(code).toBe(4401);
      await socket.dispose();
    }
  });

  it("hides another account's job from job, jobs, cancelJob and jobProgress", async () => {
    const owner = await app.account("FREE");
    const other = await app.account("PLUS");
    const { generateVideo } = await owner.client.data(GENERATE, { input: input() });
    const id = generateVideo.job.id;
    expect((await other.client.data(`query($id: ID!) { job(id: $id) { id } }`, { id })).job).toBeNull();
    expect((await other.client.data(`{ jobs { nodes { id } } }`)).jobs.nodes).toEqual([]);
    const cancel = await other.client.data(`mutation($id: ID!) { cancelJob(id: $id) { job { id } userErrors { code } } }`, { id });
    expect(cancel.cancelJob).toEqual({ job: null, userErrors: [{ code: "NOT_FOUND" }] });
    const socket = other.client.socket();
    await expect(collect(socket, PROGRESS, { id }).done).rejects.toMatchObject({ errors: [expect.objectContaining({ extensions: { code: "NOT_FOUND" } })] });
    await socket.dispose();
    expect((await owner.client.data(`query($id: ID!) { job(id: $id) { status } }`, { id })).job.status).toBe("QUEUED");
    // A malformed id is simply not found, never a database error.
    expect((await owner.client.data(`{ job(id: "not-a-uuid") { id } }`)).job).toBeNull();
  });
});

describe("cancelJob", () => {
  it("cancels a queued job at once and refuses to cancel a finished one", async () => {
    const free = await app.account("FREE");
    const { generateVideo } = await free.client.data(GENERATE, { input: input() });
    const cancel = `mutation($id: ID!) { cancelJob(id: $id) { job { id status finishedAt } userErrors { code field } } }`;
    const first = await free.client.data(cancel, { id: generateVideo.job.id });
    expect(first.cancelJob.userErrors).toEqual([]);
    expect(first.cancelJob.job.status).toBe("CANCELLED");
    expect(first.cancelJob.job.finishedAt).toBeTruthy();
    const second = await free.client.data(cancel, { id: generateVideo.job.id });
    expect(second.cancelJob.userErrors).toEqual([{ code: "JOB_FINISHED", field: ["id"] }]);
    expect(second.cancelJob.job.status).toBe("CANCELLED");
  });
});

describe("request limits", () => {
  it("refuses too deep and too expensive queries with a clear code", async () => {
    const free = await app.account("FREE");
    const deep = await free.client.request(`{ jobs { edges { node { id } } } }`);
    expect(deep.errors).toBeUndefined();
    const tooDeep = await free.client.request(`{ jobs { edges { node { video { url } } } } }`);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_DEEP");
    // The IDE's introspection query is deep, and is allowed.
    const introspection = await free.client.request(`{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }`);
    expect(introspection.errors).toBeUndefined();
    const aliases = Array.from({ length: 20 }, (_, i) => `j${i}: jobs(first: 100) { nodes { id status } }`).join(" ");
    const expensive = await free.client.request(`{ ${aliases} }`);
    expect(expensive.status).toBe(400);
    expect(expensive.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    const tooMany = await free.client.request(`{ jobs(first: 101) { nodes { id } } }`);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const badCursor = await free.client.request(`{ jobs(after: "nope") { nodes { id } } }`);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("measures a chain of fragments in linear time (no exponential walk), and refuses what it expands to", async () => {
    const chain = (n: number, leaf: string) => {
      let q = "query{...F0}";
      for (let i = 0; i < n; i++) q += ` fragment F${i} on Query{...F${i + 1} ...F${i + 1}}`;
      return `${q} fragment F${n} on Query{${leaf}}`;
    };
    const anonymous = new GraphQLTestClient(app.url, null);
    const started = Date.now();
    // 2^40 copies of __typename, 2^30 of `me`: every field counts, __typename too (src/api/limits.ts).
    const typenames = await anonymous.request(chain(40, "__typename"));
    expect(typenames.errors?.[0]?.extensions?.code).toBe("TOO_MANY_FIELDS");
    const priced = await anonymous.request(chain(30, "me { id }"));
    expect(priced.errors?.[0]?.extensions?.code).toBe("TOO_MANY_FIELDS");
    expect((await anonymous.request(chain(3, "__typename"))).errors).toBeUndefined(); // 8 copies are allowed
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("answers malformed and oversized requests with an error, not a crash", async () => {
    const post = (body: string) => fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const junk = await post("{not json");
    expect(junk.status).toBe(400);
    expect(((await junk.json()) as any).errors[0].extensions.code).toBe("BAD_REQUEST");
    const huge = await post(JSON.stringify({ query: `{ me { id } }`, pad: "x".repeat(200_000) }));
    expect(huge.status).toBe(413);
    // Without a Content-Length (chunked), the body is counted as it comes and refused past the limit too.
    const chunks = new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode("x".repeat(50_000))); c.close(); } });
    const chunked = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body: chunks, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as any).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
    const syntax = await post(JSON.stringify({ query: "{ me { " }));
    expect(syntax.status).toBe(400);
    expect(((await syntax.json()) as any).errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
    const overHttp = await new GraphQLTestClient(app.url, null).request(`subscription { jobProgress(id: "x") { status } }`);
    expect(overHttp.status).toBe(400);
    expect(overHttp.errors?.[0]?.message).toMatch(/WebSocket/);
    // Still serving.
    expect((await fetch(app.url.replace("/graphql", "/healthz"))).status).toBe(200);
  });
});

describe("GraphQL IDE", () => {
  it("serves GraphiQL and its assets from the project, with nothing from a CDN", async () => {
    const page = await fetch(app.url, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("GraphiQL");
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const src of sources) {
      expect(src.startsWith("/")).toBe(true);
      const asset = await fetch(new URL(src, app.url));
      expect(asset.status, src).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, src).toBeGreaterThan(src.startsWith("/graphiql/ide.") ? 10 : 1000); // ide.*: the page's own
    }
  });
});
