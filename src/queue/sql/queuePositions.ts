import type { Sql } from "../../db/pool.js";

/*
 * queuePositions — for a batch of queued jobs, how many queued jobs are ahead of each in claim order
 * (created_at, id): the claim's own order, so position 0 is claimed next. One statement per batch, so a
 * page of jobs or a thousand live subscriptions cost one query. Index: jobs_queue_idx (an index-only count).
 */
const POSITIONS = `/* queuePositions */
SELECT j.id, (SELECT count(*) FROM jobs q WHERE q.status = 'QUEUED' AND (q.created_at, q.id) < (j.created_at, j.id))::int AS ahead
FROM jobs j WHERE j.id = ANY($1::uuid[]) AND j.status = 'QUEUED'`;

export async function queuePositions(sql: Sql, jobIds: readonly string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const { rows } = await sql.query<{ id: string; ahead: number }>(POSITIONS, [jobIds]);
  return new Map(rows.map((r) => [r.id, r.ahead]));
}

/*
 * queueStats — the inputs of an ETA: recent mean run time of succeeded jobs and the workers seen alive.
 * Cheap: the last 50 finished jobs by the history index's neighbour, plus a tiny table.
 */
const STATS = `/* queueStats */
SELECT
  (SELECT avg(extract(epoch FROM finished_at - started_at)) FROM (
     SELECT finished_at, started_at FROM jobs WHERE status = 'SUCCEEDED' AND started_at IS NOT NULL
     ORDER BY finished_at DESC LIMIT 50) recent)::float8 AS mean_run_seconds,
  (SELECT count(*) FROM workers WHERE last_seen_at > now() - interval '30 seconds')::int AS live_workers`;

export async function queueStats(sql: Sql): Promise<{ meanRunSeconds: number | null; liveWorkers: number }> {
  const { rows } = await sql.query<{ mean_run_seconds: number | null; live_workers: number }>(STATS);
  return { meanRunSeconds: rows[0]?.mean_run_seconds ?? null, liveWorkers: rows[0]?.live_workers ?? 0 };
}
