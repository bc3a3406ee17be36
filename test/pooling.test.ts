// Through PgBouncer in transaction mode (Debian's 1.18, a real instance on its own port): named prepared
// statements break as soon as transactions land on different server connections, and a pool made with
// `preparedStatements: false` (what KINEMA_DB_POOLER=pgbouncer selects) runs the same named queries
// without fault, on the pool and on a checked-out client alike.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { startPgBouncer, type Engine } from "./cluster/engines.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

const PORT = 19240;
let db: TestDatabase;
let dir: string;
let pgbouncer: Engine;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "kinema-pooling-"));
  pgbouncer = await startPgBouncer({ dir, port: PORT, poolSize: 3 });
});
afterAll(async () => {
  await pgbouncer?.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const pooledUrl = () => `postgresql://postgres@127.0.0.1:${PORT}/${new URL(db.url).pathname.slice(1)}`;

/** 40 named queries from 8 client connections that share 3 server connections. */
async function namedQueries(preparedStatements: boolean): Promise<{ ok: number; errors: string[] }> {
  const pool = createPool(pooledUrl(), 8, { preparedStatements });
  try {
    const results = await Promise.allSettled(Array.from({ length: 40 }, async (_, i) => {
      const { rows } = await pool.query({ name: "kinemaPoolingProbe", text: "SELECT $1::int + 1 AS n, pg_sleep(0.01)", values: [i] });
      expect(rows[0].n).toBe(i + 1);
      // and in a transaction on a checked-out client, as the migrations and Prisma's $transaction do
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query({ name: "kinemaPoolingTx", text: "SELECT $1::int AS n", values: [i] });
        await client.query("COMMIT");
      } catch (error) {
        // Rolled back, as the migrations and Prisma do: a client released inside its (aborted)
        // transaction keeps PgBouncer's server connection, and with all 3 held the other clients wait
        // until the pool's 30 s idle timeout closes them (the control took 30 s for that alone).
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    }));
    return { ok: results.filter((r) => r.status === "fulfilled").length, errors: results.flatMap((r) => (r.status === "rejected" ? [String(r.reason?.message)] : [])) };
  } finally {
    await pool.end();
  }
}

describe("PgBouncer in transaction mode", () => {
  it("breaks named prepared statements (the control), and runs them unnamed with preparedStatements: false", async () => {
    const named = await namedQueries(true);
    expect(named.errors.length).toBeGreaterThan(0);
    expect(named.errors.some((e) => /prepared statement .* (does not exist|already exists)/.test(e))).toBe(true);
    const unnamed = await namedQueries(false);
    expect(unnamed.errors).toEqual([]);
    expect(unnamed.ok).toBe(40);
  });
});
