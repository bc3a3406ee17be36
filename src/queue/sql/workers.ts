import type { Sql } from "../../db/pool.js";

/*
 * The worker registry: a row per live worker, touched every 10 s while it runs. ETAs divide the
 * queue by the number of workers seen in the last 30 s. Primary-key writes only.
 */
export async function registerWorker(sql: Sql, id: string, hostname: string, pid: number): Promise<void> {
  await sql.query(`/* registerWorker */
    INSERT INTO workers (id, hostname, pid) VALUES ($1, $2, $3)
    ON CONFLICT (id) DO UPDATE SET last_seen_at = now()`, [id, hostname, pid]);
}

export async function touchWorker(sql: Sql, id: string): Promise<void> {
  await sql.query(`/* touchWorker */ UPDATE workers SET last_seen_at = now() WHERE id = $1`, [id]);
}

export async function removeWorker(sql: Sql, id: string): Promise<void> {
  await sql.query(`/* removeWorker */ DELETE FROM workers WHERE id = $1 OR last_seen_at < now() - interval '1 hour'`, [id]);
}
