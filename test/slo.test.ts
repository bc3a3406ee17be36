// Query.sloReport: per-tier nearest-rank p50/p95 of queue wait and end-to-end time, from rows with known
// timestamps, against the configured objectives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { GraphQLTestClient } from "./helpers/graphql.js";
import { insertAccount, insertRows, type JobRow } from "./helpers/ops.js";
import { sloReport } from "../src/ops/slo.js";

let db: TestDatabase;
let pool: pg.Pool;
let app: TestKinema;

const REPORT = `query($window: Int!) { sloReport(window: $window) {
  windowSeconds from to met
  tiers { tier
    queueWait { samples p50Seconds p95Seconds met objective { percentile targetSeconds } }
    endToEnd { samples p50Seconds p95Seconds met objective { percentile targetSeconds } } } } }`;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  app = await startTestKinema({ databaseUrl: db.url });
  const account = await insertAccount(pool);
  const base = 1000; // every job was submitted 1000 s ago
  const rows: JobRow[] = [];
  // PLUS: waits 1..20 s, end-to-end 10..200 s.
  for (let i = 1; i <= 20; i++) rows.push({ tier: "PLUS", status: "SUCCEEDED", createdAgo: base, startedAgo: base - i, finishedAgo: base - 10 * i });
  // FREE: waits 2..20 s, end-to-end 25..250 s, and one that waited 999 s and then failed (a wait, no end-to-end).
  for (let i = 1; i <= 10; i++) rows.push({ tier: "FREE", status: "SUCCEEDED", createdAgo: base, startedAgo: base - 2 * i, finishedAgo: base - 25 * i });
  rows.push({ tier: "FREE", status: "FAILED", createdAgo: base, startedAgo: 1, finishedAgo: 0.5, errorCode: "BOOM" });
  // Outside the hour: ignored. Never claimed: no wait yet. Running: a wait, no end-to-end.
  rows.push({ tier: "PLUS", status: "SUCCEEDED", createdAgo: 9000, startedAgo: 8000, finishedAgo: 7000 });
  rows.push({ tier: "PLUS", status: "QUEUED", createdAgo: 500 });
  rows.push({ tier: "PLUS", status: "RUNNING", createdAgo: 800, startedAgo: 790 });
  await insertRows(pool, account, rows);
});
afterAll(async () => {
  await app?.stop();
  await pool?.end();
  await db?.drop();
});

describe("sloReport", () => {
  it("reports exact nearest-rank percentiles per tier against the default objectives", async () => {
    const { key } = await app.account("FREE", "SUPPORT");
    const { sloReport: report } = await app.client(key).data(REPORT, { window: 3600 });
    expect(report.windowSeconds).toBe(3600);
    expect(new Date(report.to).getTime() - new Date(report.from).getTime()).toBe(3_600_000);
    const [plus, free] = report.tiers;
    // PLUS waits: 1..20 and the running job's 10 → 21 samples; nearest rank p50 = 11th = 10, p95 = 20th = 19.
    expect(plus).toEqual({
      tier: "PLUS",
      queueWait: { samples: 21, p50Seconds: 10, p95Seconds: 19, met: true, objective: { percentile: 50, targetSeconds: 15 } },
      endToEnd: { samples: 20, p50Seconds: 100, p95Seconds: 190, met: false, objective: { percentile: 95, targetSeconds: 120 } },
    });
    // FREE waits: 2,4..20 and 999 → 11 samples; p50 = 6th = 12, p95 = 11th = 999. End-to-end: 25..250 → p50 125, p95 250.
    expect(free).toEqual({
      tier: "FREE",
      queueWait: { samples: 11, p50Seconds: 12, p95Seconds: 999, met: true, objective: { percentile: 50, targetSeconds: 15 } },
      endToEnd: { samples: 10, p50Seconds: 125, p95Seconds: 250, met: true, objective: { percentile: 95, targetSeconds: 300 } },
    });
    expect(report.met).toBe(false);
  });

  it("uses the configured targets", async () => {
    const report = await sloReport(pool, { queueWaitP50Seconds: 10, endToEndP95Seconds: { PLUS: 200, FREE: 250 } }, 3600);
    expect(report.tiers.map((t) => [t.tier, t.queueWait.met, t.endToEnd.met])).toEqual([["PLUS", false, true], ["FREE", false, false]]);
    expect(report.met).toBe(false);
  });

  it("has no verdict on a window with nothing in it", async () => {
    const report = await sloReport(pool, app.config.slo, 60);
    // Only the FREE job that failed a second ago is in the last minute: a wait, no end-to-end.
    expect(report.tiers[0]).toMatchObject({ tier: "PLUS", queueWait: { samples: 0, p50Seconds: null, met: null }, endToEnd: { samples: 0, met: null } });
    expect(report.tiers[1]).toMatchObject({ tier: "FREE", queueWait: { samples: 1, p50Seconds: 999, met: false }, endToEnd: { samples: 0, met: null } });
    expect(report.met).toBe(false);
  });

  it("needs a staff key (SUPPORT suffices; a customer's key is FORBIDDEN) and a window of 60 s to 30 days", async () => {
    const anonymous = await new GraphQLTestClient(app.url, null).request(REPORT, { window: 3600 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const customer = await app.account("PLUS", "USER");
    const refused = await customer.client.request(REPORT, { window: 3600 });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(refused.data).toBeNull();
    const { client } = await app.account("PLUS", "SUPPORT");
    for (const window of [59, 2_592_001]) {
      const res = await client.request(REPORT, { window });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});
