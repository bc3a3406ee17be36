// Jobs rows with chosen timestamps, for the SLO report and alarm tests.
import type pg from "pg";

export interface JobRow {
  tier: "FREE" | "PLUS";
  status: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "BLOCKED" | "CANCELLED";
  /** seconds before now */
  createdAgo: number;
  startedAgo?: number | null;
  finishedAgo?: number | null;
  updatedAgo?: number;
  errorCode?: string | null;
  metadata?: Record<string, unknown>;
}

export async function insertAccount(pool: pg.Pool, tier: "FREE" | "PLUS" = "PLUS"): Promise<string> {
  const { rows } = await pool.query(`INSERT INTO accounts (name, tier) VALUES ('ops', $1) RETURNING id`, [tier]);
  return rows[0].id as string;
}

/** Inserts jobs; their times are given as seconds before the statement's now(). */
export async function insertRows(pool: pg.Pool, accountId: string, rows: JobRow[]): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rows) {
    const { rows: out } = await pool.query(
      `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget,
                         max_attempts, attempts, created_at, started_at, finished_at, updated_at, error_code, metadata)
       VALUES ($1, $2::"Tier", $3::"JobStatus", CASE WHEN $3::text = 'QUEUED' THEN 'QUEUED' WHEN $3::text = 'SUCCEEDED' THEN 'DONE' ELSE 'DENOISING' END::"JobStage",
               'ops row', 'R480P', 854, 480, 1, 24, 1, 5, 3, CASE WHEN $5::float8 IS NULL THEN 0 ELSE 1 END,
               now() - $4 * interval '1 second', now() - $5 * interval '1 second', now() - $6 * interval '1 second',
               now() - $7 * interval '1 second', $8, $9::jsonb)
       RETURNING id`,
      [accountId, r.tier, r.status, r.createdAgo, r.startedAgo ?? null, r.finishedAgo ?? null,
        r.updatedAgo ?? r.finishedAgo ?? r.startedAgo ?? r.createdAgo, r.errorCode ?? null, JSON.stringify(r.metadata ?? {})]);
    ids.push(out[0].id);
  }
  return ids;
}

/** `n` queued jobs of an account, oldest first, 1 ms apart from `start` (FIFO order is their creation order). */
export async function enqueueFifo(pool: pg.Pool, accountId: string, tier: "FREE" | "PLUS", n: number, start = Date.now() - 60_000): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, created_at)
     SELECT $1, $2, 'QUEUED', 'QUEUED', 'p' || i, 'R480P', 854, 480, 1, 24, i, 10, 3, to_timestamp(($3::float8 + i) / 1000)
     FROM generate_series(0, $4 - 1) i ORDER BY i RETURNING id`, [accountId, tier, start, n]);
  return rows.map((r) => r.id);
}
