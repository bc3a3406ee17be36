// One transaction on one pooled connection: BEGIN, the work, COMMIT (ROLLBACK when it throws). Staff
// actions use it so the action and its audit row commit together or not at all. In embedded mode the
// PGlite socket server keeps a transaction's statements together (src/db/embedded.ts).
import type pg from "pg";
import type { Sql } from "../db/pool.js";

export async function inTransaction<T>(pool: pg.Pool, work: (tx: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
