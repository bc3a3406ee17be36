// Service-level objectives measured from the jobs table (Query.sloReport). Per tier, over a window
// ending now:
//  - queue wait: started_at - created_at of jobs first claimed in the window (started_at is set by the
//    first claim only), objective on its p50;
//  - end-to-end: finished_at - created_at of jobs that SUCCEEDED in the window, objective on its p95.
// Percentiles are nearest-rank (percentile_disc): the smallest measured value that at least that share
// of the samples does not exceed, so "p95 = 42 s" means 95% of the jobs took at most 42 s.
import type { Config, Tier } from "../config/config.js";
import type { Sql } from "../db/pool.js";

export const TIERS: readonly Tier[] = ["PLUS", "FREE"];

export interface SloObjective { percentile: 50 | 95; targetSeconds: number }

export interface LatencySlo {
  samples: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  objective: SloObjective;
  /** null when nothing was measured in the window */
  met: boolean | null;
}

export interface TierSlo { tier: Tier; queueWait: LatencySlo; endToEnd: LatencySlo }

export interface SloReport {
  windowSeconds: number;
  from: Date;
  to: Date;
  tiers: TierSlo[];
  /** false when any objective with samples was missed */
  met: boolean;
}

export const MIN_WINDOW_SECONDS = 60;
export const MAX_WINDOW_SECONDS = 30 * 86_400;

const REPORT = `/* sloReport */
WITH bounds AS (SELECT now() AS t1, now() - $1 * interval '1 second' AS t0),
samples AS (
  SELECT j.tier, 'queueWait' AS measure, extract(epoch FROM j.started_at - j.created_at)::float8 AS s
  FROM jobs j, bounds b WHERE j.started_at >= b.t0 AND j.started_at <= b.t1
  UNION ALL
  SELECT j.tier, 'endToEnd', extract(epoch FROM j.finished_at - j.created_at)::float8
  FROM jobs j, bounds b WHERE j.status = 'SUCCEEDED' AND j.finished_at >= b.t0 AND j.finished_at <= b.t1
)
SELECT b.t0, b.t1, s.tier::text AS tier, s.measure, count(s.s)::int AS n,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY s.s) AS p50,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY s.s) AS p95
FROM bounds b LEFT JOIN samples s ON true
GROUP BY b.t0, b.t1, s.tier, s.measure`;

interface Row { t0: Date; t1: Date; tier: Tier | null; measure: "queueWait" | "endToEnd" | null; n: number; p50: number | null; p95: number | null }

export async function sloReport(sql: Sql, slo: Config["slo"], windowSeconds: number): Promise<SloReport> {
  const { rows } = await sql.query<Row>(REPORT, [windowSeconds]);
  const first = rows[0]!;
  const find = (tier: Tier, measure: Row["measure"]) => rows.find((r) => r.tier === tier && r.measure === measure);
  const latency = (row: Row | undefined, objective: SloObjective): LatencySlo => {
    const p50 = row?.p50 ?? null;
    const p95 = row?.p95 ?? null;
    const measured = objective.percentile === 50 ? p50 : p95;
    return { samples: row?.n ?? 0, p50Seconds: p50, p95Seconds: p95, objective, met: measured === null ? null : measured < objective.targetSeconds };
  };
  const tiers = TIERS.map((tier) => ({
    tier,
    queueWait: latency(find(tier, "queueWait"), { percentile: 50, targetSeconds: slo.queueWaitP50Seconds }),
    endToEnd: latency(find(tier, "endToEnd"), { percentile: 95, targetSeconds: slo.endToEndP95Seconds[tier] }),
  }));
  const met = tiers.every((t) => t.queueWait.met !== false && t.endToEnd.met !== false);
  return { windowSeconds, from: first.t0, to: first.t1, tiers, met };
}
