// The batched record of webhook attempts (src/webhooks/sql/recordAttempts.ts) against real PostgreSQL: one
// statement writes a batch's states and attempt rows, and each endpoint's health follows the batch's last
// outcome; a healthy endpoint's row is not rewritten by successes, and an endpoint failing for longer than
// the window is disabled with the reason its owner sees.
import { afterAll, beforeAll, expect, it } from "vitest";
import { AccountService } from "../src/accounts/accounts.js";
import { createPool, type Pool } from "../src/db/pool.js";
import { createPrisma } from "../src/db/prisma.js";
import { recordAttempts, type AttemptOutcome } from "../src/webhooks/sql/recordAttempts.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

const DAY = 86_400_000;
let db: TestDatabase;
let pool: Pool;
let accountId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  const prisma = createPrisma(db.url, 1);
  try {
    ({ account: { id: accountId } } = await new AccountService(prisma).create({ name: "record", tier: "FREE" }));
  } finally {
    await prisma.$disconnect();
  }
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function endpointWith(deliveries: number, failingSince: string | null = null): Promise<{ endpointId: string; ids: string[] }> {
  const { rows: [ep] } = await pool.query(`INSERT INTO webhook_endpoints (account_id, url, events, secret, failing_since, updated_at)
    VALUES ($1, 'http://127.0.0.1/x', '{webhook.test}', 'sealed', $2::timestamptz, '2020-01-01') RETURNING id`, [accountId, failingSince]);
  const ids: string[] = [];
  for (let i = 0; i < deliveries; i++) {
    const { rows: [d] } = await pool.query(`INSERT INTO webhook_deliveries (account_id, endpoint_id, event, payload, attempts)
      VALUES ($1, $2, 'webhook.test', '{}', 1) RETURNING id`, [accountId, ep.id]);
    ids.push(d.id);
  }
  return { endpointId: ep.id, ids };
}

const ok = (deliveryId: string): AttemptOutcome => ({ deliveryId, succeeded: true, status: 204, latencyMs: 3, error: null, nextAttemptAt: null });
const failed = (deliveryId: string, nextAttemptAt: Date | null): AttemptOutcome =>
  ({ deliveryId, succeeded: false, status: 503, latencyMs: 4, error: "HTTP 503", nextAttemptAt });

async function endpoint(id: string) {
  const { rows: [row] } = await pool.query(`SELECT enabled, failing_since, disabled_reason, updated_at FROM webhook_endpoints WHERE id = $1`, [id]);
  return row as { enabled: boolean; failing_since: Date | null; disabled_reason: string | null; updated_at: Date };
}

it("writes a batch's states and attempts in one statement; successes leave a healthy endpoint's row alone", async () => {
  const healthy = await endpointWith(3);
  const flaky = await endpointWith(2);
  const retryAt = new Date(Date.now() + 60_000);
  await recordAttempts(pool, [ok(healthy.ids[0]!), ok(healthy.ids[1]!), failed(healthy.ids[2]!, retryAt), ok(flaky.ids[0]!), failed(flaky.ids[1]!, null)], DAY);

  const { rows } = await pool.query(`SELECT id, state, next_attempt_at, delivered_at, last_error,
      (SELECT json_agg(json_build_object('ok', a.succeeded, 'status', a.response_status, 'ms', a.latency_ms)) FROM webhook_attempts a WHERE a.delivery_id = d.id) AS attempts
    FROM webhook_deliveries d WHERE endpoint_id = ANY($1::uuid[])`, [[healthy.endpointId, flaky.endpointId]]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  expect(byId.get(healthy.ids[0])).toMatchObject({ state: "DELIVERED", last_error: null, attempts: [{ ok: true, status: 204, ms: 3 }] });
  expect(byId.get(healthy.ids[0]).delivered_at).toBeInstanceOf(Date);
  expect(byId.get(healthy.ids[2])).toMatchObject({ state: "PENDING", last_error: "HTTP 503", attempts: [{ ok: false, status: 503, ms: 4 }] });
  expect(byId.get(healthy.ids[2]).next_attempt_at.getTime()).toBe(retryAt.getTime());
  expect(byId.get(flaky.ids[1])).toMatchObject({ state: "FAILED", last_error: "HTTP 503" });

  // The last outcome of each endpoint decides: both end on a failure, so both are failing since now.
  for (const { endpointId } of [healthy, flaky]) {
    const ep = await endpoint(endpointId);
    expect(ep.enabled).toBe(true);
    expect(ep.failing_since).toBeInstanceOf(Date);
  }
  // A success clears failing_since; a second success on the now healthy endpoint writes nothing to its row.
  const more = await Promise.all([1, 2].map(async () => (await pool.query(`INSERT INTO webhook_deliveries (account_id, endpoint_id, event, payload, attempts)
    VALUES ($1, $2, 'webhook.test', '{}', 1) RETURNING id`, [accountId, healthy.endpointId])).rows[0].id as string));
  await recordAttempts(pool, [ok(more[0]!)], DAY);
  const cleared = await endpoint(healthy.endpointId);
  expect(cleared.failing_since).toBeNull();
  await pool.query(`UPDATE webhook_endpoints SET updated_at = '2020-01-01' WHERE id = $1`, [healthy.endpointId]);
  await recordAttempts(pool, [ok(more[1]!)], DAY);
  expect((await endpoint(healthy.endpointId)).updated_at.toISOString()).toBe("2020-01-01T00:00:00.000Z");
});

it("disables an endpoint failing for longer than the window; a success later in the same batch keeps it enabled", async () => {
  const since = new Date(Date.now() - 2 * DAY).toISOString();
  const dead = await endpointWith(2, since);
  const revived = await endpointWith(2, since);
  await recordAttempts(pool, [failed(dead.ids[0]!, new Date(Date.now() + 1000)), failed(dead.ids[1]!, new Date(Date.now() + 1000)),
    failed(revived.ids[0]!, new Date(Date.now() + 1000)), ok(revived.ids[1]!)], DAY);
  const off = await endpoint(dead.endpointId);
  expect(off.enabled).toBe(false);
  expect(off.disabled_reason).toMatch(/^Every delivery failed since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; last error: HTTP 503$/);
  const on = await endpoint(revived.endpointId);
  expect(on).toMatchObject({ enabled: true, failing_since: null, disabled_reason: null });
});

it("skips a delivery deleted before its record (no attempt row, no failed batch)", async () => {
  const ep = await endpointWith(2);
  await pool.query(`DELETE FROM webhook_deliveries WHERE id = $1`, [ep.ids[0]]);
  await recordAttempts(pool, [ok(ep.ids[0]!), ok(ep.ids[1]!)], DAY);
  const { rows } = await pool.query(`SELECT delivery_id FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[])`, [ep.ids]);
  expect(rows.map((r) => r.delivery_id)).toEqual([ep.ids[1]]);
});
