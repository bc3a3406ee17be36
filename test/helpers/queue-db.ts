// The scratch database of the claim tests: one per file, its jobs emptied and the scheduler put back to
// 2:1 fair share with caps FREE 3 / PLUS 10 before each test.
import type pg from "pg";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createPool } from "../../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./db.js";

/** Registers the hooks; `pool` and `url` are ready from the first test on. */
export function queueTestDatabase(): { readonly pool: pg.Pool; readonly url: string } {
  let db: TestDatabase | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 8);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  beforeEach(async () => {
    await pool!.query(`DELETE FROM jobs`);
    await pool!.query(`UPDATE scheduler_config SET fair_share = true, plus_weight = 2, free_weight = 1, free_burst_cap = 3, plus_burst_cap = 10 WHERE id = 1`);
  });
  return { get pool() { return pool!; }, get url() { return db!.url; } };
}
