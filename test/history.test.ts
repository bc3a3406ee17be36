// Job history for internal tools: cursor pagination newest first, filters, and a constant number of SQL
// statements per page thanks to DataLoader (counted here).
import { AsyncLocalStorage } from "node:async_hooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";

let db: TestDatabase;
let app: TestKinema;
let statements = 0;
// Only the statements a request sends are counted: background loops share the pool (settings and rule-set
// version polls, the webhook sender, sweepers, key-use flushes) and, on a loaded machine, a tick can land
// inside the measured request. Every request runs inside this context; a pool statement counts only when it
// is issued from one. (Prisma serves no background loop, so each of its statements is a request's.)
const inRequest = new AsyncLocalStorage<true>();
// The key's row is cached this long; each measured page waits it out, so each one authenticates.
const AUTH_CACHE_MS = 100;

// A database and an API per test: queue positions and statement counts depend on every job in the
// database, so no test may see another's.
beforeEach(async () => {
  statements = 0;
  db = await createTestDatabase();
  // No background alarm evaluation: it reads the same pool on its own timer.
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_ALARM_INTERVAL_MS: "0", KINEMA_AUTH_CACHE_MS: String(AUTH_CACHE_MS) } });
  const httpServer = app.kinema.api!.httpServer;
  const handlers = httpServer.listeners("request") as ((...args: unknown[]) => void)[];
  httpServer.removeAllListeners("request");
  httpServer.on("request", (...args: unknown[]) => inRequest.run(true, () => { for (const handle of handlers) handle.apply(httpServer, args); }));
  // Count every statement the API sends: Prisma's and the raw pool's.
  app.kinema.prisma.$on("query" as never, () => void statements++);
  const pool = app.kinema.pool;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
    if (inRequest.getStore()) statements++;
    return query(...args);
  };
});
afterEach(async () => {
  await app?.stop();
  await db?.drop();
});

const PAGE = `query($first: Int, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id status prompt queuePosition etaSeconds attempts error { code } video { url } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe("jobs history", () => {
  it("pages newest first without gaps or repeats, and filters by status and time", async () => {
    const account = await app.account("PLUS");
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      ids.push((await account.client.data(GENERATE, { input: { prompt: `clip ${i}`, durationSeconds: 1, resolution: "R480P" } })).generateVideo.job.id);
    }
    const cancelled = ids.filter((_, i) => i % 10 === 0);
    for (const id of cancelled) await account.client.data(`mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`, { id });

    const seen: string[] = [];
    let after: string | null = null;
    const sizes: number[] = [];
    for (;;) {
      const { jobs }: { jobs: any } = await account.client.data(PAGE, { first: 50, after });
      sizes.push(jobs.edges.length);
      seen.push(...jobs.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!jobs.pageInfo.hasNextPage) break;
      after = jobs.pageInfo.endCursor;
    }
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual([...ids].reverse());

    const { jobs: onlyCancelled } = await account.client.data(PAGE, { first: 100, filter: { status: ["CANCELLED"] } });
    expect(onlyCancelled.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([...cancelled].reverse());
    const { jobs: queued } = await account.client.data(PAGE, { first: 100, filter: { status: ["QUEUED"] } });
    expect(queued.edges).toHaveLength(100);
    // Queue positions are the claim order: the oldest queued job is next.
    const positions = queued.edges.map((e: { node: { queuePosition: number } }) => e.node.queuePosition);
    // 108 are queued; the newest 100 of them have 107 down to 8 jobs ahead.
    expect(positions).toEqual(Array.from({ length: 100 }, (_, i) => 107 - i));

    const { job } = await account.client.data(`query($id: ID!) { job(id: $id) { createdAt } }`, { id: ids[60] });
    const { jobs: newer } = await account.client.data(PAGE, { first: 100, filter: { createdAfter: job.createdAt } });
    expect(newer.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(ids.slice(60).reverse());
    const { jobs: older } = await account.client.data(PAGE, { first: 100, filter: { createdBefore: job.createdAt } });
    expect(older.edges).toHaveLength(60);
  });

  it("costs a constant number of SQL statements per page, whatever its size", async () => {
    // PLUS: 60 queued jobs are over FREE's queued-jobs limit (30), under PLUS's (500)
    const account = await app.account("PLUS");
    for (let i = 0; i < 60; i++) await account.client.data(GENERATE, { input: { prompt: `n ${i}`, durationSeconds: 1, resolution: "R480P" } });
    const count = async (first: number) => {
      await new Promise((resolve) => setTimeout(resolve, AUTH_CACHE_MS * 2));
      statements = 0;
      const { jobs } = await account.client.data(PAGE, { first });
      expect(jobs.edges).toHaveLength(first);
      return statements;
    };
    const five = await count(5);
    const fifty = await count(50);
    // the count sees the request's own statements (authentication and the page at least)
    expect(five).toBeGreaterThanOrEqual(2);
    expect(fifty).toBe(five);
    // authenticate (key, then its account), the page, batched queue positions, queue stats
    expect(fifty).toBeLessThanOrEqual(5);
  });
});
