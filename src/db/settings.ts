// Process-wide settings kept in the database, created once by whichever process gets there first.
import type { Sql } from "./pool.js";

/** The setting's value; when absent, `make()`'s value is stored (first writer wins) and returned. */
export async function ensureSetting(sql: Sql, key: string, make: () => string): Promise<string> {
  await sql.query(`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, make()]);
  const { rows } = await sql.query<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [key]);
  return rows[0]!.value;
}
