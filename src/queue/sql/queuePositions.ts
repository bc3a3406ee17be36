import type { Sql } from "../../db/pool.js";

/*
 * queuePositions — for queued jobs, how many queued jobs are ahead of each in claim order (created_at,
 * id): the claim's own order, so position 0 is claimed next. Index: jobs_queue_idx.
 * A few jobs: one count per job over the index (cost: the jobs ahead). A batch (a page, or every live
 * subscription of an API process): one ranking pass over the queue, whatever the batch size; a count per
 * job would cost batch x queue (85 ms for 1,000 of 1,000 queued; the ranking pass, 2 ms).
 */
const POSITIONS_EACH = `/* queuePositionsEach */
SELECT j.id, (SELECT count(*) FROM jobs q WHERE q.status = 'QUEUED' AND (q.created_at, q.id) < (j.created_at, j.id))::int AS ahead
FROM jobs j WHERE j.id = ANY($1::uuid[]) AND j.status = 'QUEUED'`;

const POSITIONS_RANKED = `/* queuePositionsRanked */
SELECT id, ahead FROM (
  SELECT id, (row_number() OVER (ORDER BY created_at, id) - 1)::int AS ahead FROM jobs WHERE status = 'QUEUED'
) ranked WHERE id = ANY($1::uuid[])`;

const RANK_ABOVE = 4;

export async function queuePositions(sql: Sql, jobIds: readonly string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const text = jobIds.length > RANK_ABOVE ? POSITIONS_RANKED : POSITIONS_EACH;
  const { rows } = await sql.query<{ id: string; ahead: number }>(text, [jobIds]);
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
