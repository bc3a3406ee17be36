import type { Sql } from "../../db/pool.js";

/*
 * recordKeyUse — writes the last-use times an API process collected in memory, for every key in one
 * statement (src/accounts/key-usage.ts calls it at most once a minute). GREATEST keeps the latest time
 * when several processes write the same key out of order. Primary-key lookups through unnest.
 */
const RECORD_KEY_USE = `/* recordKeyUse */
UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.used_at)
FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, used_at)
WHERE k.id = u.id`;

export async function recordKeyUse(sql: Sql, uses: ReadonlyMap<string, Date>): Promise<void> {
  if (uses.size === 0) return;
  await sql.query(RECORD_KEY_USE, [[...uses.keys()], [...uses.values()]]);
}
