// Rate limits across API replicas: two real API processes (src/main.ts) on one PostgreSQL take a burst of
// concurrent submissions of one account, split between them; the per-minute limit and the queued-jobs
// limit hold exactly (the counts are taken under the account's lock inside each submission's
// transaction, not in any process's memory), and a limit changed in the database reaches both by polling.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { AccountService } from "../src/accounts/accounts.js";
import { createPool } from "../src/db/pool.js";
import { createPrisma } from "../src/db/prisma.js";
import { killApis, logged, spawnApi, type ApiProcess } from "./helpers/api-process.js";
import { waitFor } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { GraphQLTestClient } from "./helpers/graphql.js";

let db: TestDatabase;
let pool: pg.Pool;
let apis: ApiProcess[] = [];
let urls: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  // Admission control has no history here; off anyway, so only the limits decide.
  await pool.query(`UPDATE scheduler_config SET admission_control = false, version = version + 1`);
  apis = ["api-1", "api-2"].map((name) => spawnApi(name, { DATABASE_URL: db.url, KINEMA_SCHEDULER_POLL_MS: "200", KINEMA_KEY_USAGE_FLUSH_MS: "60000" }));
  urls = await Promise.all(apis.map((a) => a.url));
}, 120_000);
afterAll(async () => {
  await killApis(apis);
  await pool?.end();
  await db?.drop();
});

async function newAccount(tier: "FREE" | "PLUS"): Promise<{ id: string; key: string }> {
  const prisma = createPrisma(db.url, 1);
  try {
    const { account, apiKey } = await new AccountService(prisma).create({ name: "replicas", tier, role: "USER" });
    return { id: account.id, key: apiKey };
  } finally {
    await prisma.$disconnect();
  }
}

const SUBMIT = `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { job { id } userErrors { code retryAfterSeconds } } }`;

/** `n` submissions at once, alternating between the two processes. */
async function burst(key: string, n: number) {
  const clients = urls.map((url) => new GraphQLTestClient(url, key));
  return Promise.all(Array.from({ length: n }, (_, i) =>
    clients[i % 2]!.data(SUBMIT, { input: { prompt: `burst ${i}`, durationSeconds: 1, resolution: "R480P" } })
      .then((d) => d.generateVideo as { job: { id: string } | null; userErrors: { code: string; retryAfterSeconds: number | null }[] })));
}

async function setLimits(sets: string): Promise<number> {
  const { rows } = await pool.query(`UPDATE usage_limits SET ${sets}, version = version + 1 WHERE id = 1 RETURNING version`);
  return rows[0].version;
}

/** Both processes run the given limits version (they log each reload). */
async function bothReloaded(version: number): Promise<void> {
  await waitFor(async () => apis.every((a) => logged(a, (l) => l.msg === "usage limits reloaded" && l.usageLimitsVersion === version).length > 0), 20_000, `both APIs on limits version ${version}`);
}

describe("two API processes", () => {
  it("never accept more than the per-minute limit of one account between them", async () => {
    await bothReloaded(await setLimits("free_submissions_per_minute = 5"));
    const user = await newAccount("FREE");
    const results = await burst(user.key, 24);
    const accepted = results.filter((r) => r.job !== null);
    const refused = results.filter((r) => r.userErrors[0]?.code === "RATE_LIMITED");
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(19);
    for (const r of refused) expect(r.userErrors[0]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE account_id = $1`, [user.id]);
    expect(rows[0].n).toBe(5);
  }, 120_000);

  it("never queue more than the queued-jobs limit of one account between them", async () => {
    await bothReloaded(await setLimits("plus_submissions_per_minute = 1000, plus_queued_jobs = 3"));
    const user = await newAccount("PLUS");
    const results = await burst(user.key, 16);
    expect(results.filter((r) => r.job !== null)).toHaveLength(3);
    expect(results.filter((r) => r.userErrors[0]?.code === "RATE_LIMITED")).toHaveLength(13);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE account_id = $1 AND status = 'QUEUED'`, [user.id]);
    expect(rows[0].n).toBe(3);
  }, 120_000);
});
