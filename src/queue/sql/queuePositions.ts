import type { Sql } from "../../db/pool.js";

/*
 * queuePositions — for queued jobs, the number of claims expected before each under the scheduler's
 * current weights (scheduler_config; the claim's own rule, claimJob.ts), so position 0 is claimed next.
 * Fair share: a job with `own` jobs ahead of it in its own lane (FIFO within a lane) waits for those
 * `own` claims plus the other lane's claims made meanwhile, about (own + 1/2) x weight_other / weight_own
 * (stride scheduling interleaves the lanes in the ratio of their weights; the 1/2 is the mean of where
 * the lanes' passes happen to stand), and never more than the other lane holds. Left out: the lanes'
 * exact passes, burst caps, run_after (retries waiting out their backoff) and jobs queued later into the
 * other lane: it is an estimate, exact for two full lanes over many claims. Fair share off: plain FIFO,
 * the queued jobs older than this one. weightedAhead() below is the same formula, for admission control.
 * Index: jobs_lane_idx (tier, created_at, id; status = 'QUEUED') for the counts.
 * A few jobs: counts per job over the index (cost: the jobs ahead). A batch (a page, or every live
 * subscription of an API process): one ranking pass over the queue up to the batch's newest job,
 * whatever the batch size.
 */
const CFG = `cfg AS (SELECT fair_share, plus_weight, free_weight FROM scheduler_config WHERE id = 1)`;
const RATIO = `CASE WHEN j.tier = 'PLUS' THEN cfg.free_weight / cfg.plus_weight ELSE cfg.plus_weight / cfg.free_weight END`;

const POSITIONS_EACH = `/* queuePositionsEach */
WITH ${CFG}
SELECT j.id, (CASE WHEN cfg.fair_share
    THEN own.n + least(other.n, floor((own.n + 0.5) * ${RATIO}))
    ELSE own.n + other.older END)::int AS ahead
FROM jobs j CROSS JOIN cfg
CROSS JOIN LATERAL (SELECT count(*) AS n FROM jobs q
  WHERE q.status = 'QUEUED' AND q.tier = j.tier AND (q.created_at, q.id) < (j.created_at, j.id)) own
CROSS JOIN LATERAL (SELECT count(*) AS n, count(*) FILTER (WHERE (q.created_at, q.id) < (j.created_at, j.id)) AS older
  FROM jobs q WHERE q.status = 'QUEUED' AND q.tier <> j.tier) other
WHERE j.id = ANY($1::uuid[]) AND j.status = 'QUEUED'`;

// The ranking stops at the newest watched job (nothing queued after it changes anyone's rank), and the
// lanes' totals are counted once (MATERIALIZED: inlined, PostgreSQL re-aggregated the ranking for every
// output row). `npm run bench:queue-positions` (6,000 queued over 20,000 finished, 400 watched jobs
// spread over the older half): p50 428 ms / p99 600 ms before, 8.1 / 10.2 ms after, the same positions;
// in bench:fleet at 1,500 jobs this statement had been taking 0.5-1 s of a core every second (the API
// refreshes its subscribers' positions once a second), enough to push the claims' p99 past 50 ms.
const POSITIONS_RANKED = `/* queuePositionsRanked */
WITH ${CFG},
want AS MATERIALIZED (SELECT id, created_at FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'QUEUED'),
ranked AS MATERIALIZED (
  SELECT q.id, q.tier, row_number() OVER (PARTITION BY q.tier ORDER BY q.created_at, q.id) - 1 AS own,
    row_number() OVER (ORDER BY q.created_at, q.id) - 1 AS fifo
  FROM jobs q WHERE q.status = 'QUEUED' AND q.created_at <= (SELECT max(created_at) FROM want)
),
lanes AS MATERIALIZED (SELECT tier, count(*) AS n FROM jobs WHERE status = 'QUEUED' GROUP BY tier)
SELECT j.id, (CASE WHEN cfg.fair_share
    THEN j.own + least(coalesce((SELECT sum(n) FROM lanes WHERE lanes.tier <> j.tier), 0), floor((j.own + 0.5) * ${RATIO}))
    ELSE j.fifo END)::int AS ahead
FROM ranked j CROSS JOIN cfg WHERE j.id IN (SELECT id FROM want)`;

const RANK_ABOVE = 4;

export async function queuePositions(sql: Sql, jobIds: readonly string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const text = jobIds.length > RANK_ABOVE ? POSITIONS_RANKED : POSITIONS_EACH;
  const { rows } = await sql.query<{ id: string; ahead: number }>(text, [jobIds]);
  return new Map(rows.map((r) => [r.id, r.ahead]));
}

/** The fair-share estimate of queuePositions: claims before a job with `own` jobs ahead in its lane. */
export function weightedAhead(own: number, otherQueued: number, ownWeight: number, otherWeight: number): number {
  return own + Math.min(otherQueued, Math.floor((own + 0.5) * (otherWeight / ownWeight)));
}

/*
 * queueStats — the inputs of an ETA: recent mean run time of succeeded jobs and the workers seen alive.
 * Cheap: the last 50 finished jobs by the history index's neighbour, plus a tiny table. Cache hits have no
 * started_at, so they do not count as runs.
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

/*
 * admissionStats — what admission control predicts a new job's queue wait from: queueStats' inputs plus
 * the queued jobs per lane and the running jobs. Index: jobs_lane_idx and jobs_running_idx (partial) for
 * the counts; one statement per FREE submission.
 */
const ADMISSION = `/* admissionStats */
SELECT s.*,
  (SELECT count(*) FROM jobs WHERE status = 'QUEUED' AND tier = 'PLUS')::int AS queued_plus,
  (SELECT count(*) FROM jobs WHERE status = 'QUEUED' AND tier = 'FREE')::int AS queued_free,
  (SELECT count(*) FROM jobs WHERE status = 'RUNNING')::int AS running
FROM (${STATS.replace("/* queueStats */", "")}) s`;

export interface AdmissionStats { meanRunSeconds: number | null; liveWorkers: number; queuedPlus: number; queuedFree: number; running: number }

export async function admissionStats(sql: Sql): Promise<AdmissionStats> {
  const { rows } = await sql.query(ADMISSION);
  const r = rows[0]!;
  return { meanRunSeconds: r.mean_run_seconds ?? null, liveWorkers: r.live_workers, queuedPlus: r.queued_plus, queuedFree: r.queued_free, running: r.running };
}
