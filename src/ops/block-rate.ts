// The runbook's secondary safety signal: the post-filter's block rate per category against its own
// rolling baseline. A sudden rise in one category (a new jailbreak the pre-filter lets through, a model
// or threshold change, a bank list catching a wave of copies) shows here before anyone reads a report.
//
//   rate(c)      = post-filter blocks of category c / jobs through the post-filter (SUCCEEDED, or BLOCKED
//                  by it), both by finished_at;
//   recent       = the last hour; baseline = the 7 days before it;
//   baseline(c)  = (blocks + 1) / (jobs + 1): one imagined block, so a category that never blocked has a
//                  small, finite baseline (1 in 10,001 after 10,000 clean jobs) and a fresh system with no
//                  history has a baseline of 1 (nothing can be k times that: no alarm without history);
//   fires        when some category has >= 5 blocks in the hour and rate > 3 x baseline.
// The alarm's value is the largest recent/baseline ratio among the categories with enough blocks (null
// when none has); the firing categories are logged with their counts.
import type { Sql } from "../db/pool.js";

export const BLOCK_RATE_POLICY = { recentSeconds: 3600, baselineSeconds: 7 * 86_400, factor: 3, minBlocks: 5 } as const;
export type BlockRatePolicy = { [K in keyof typeof BLOCK_RATE_POLICY]: number };

export interface CategoryBlockRate {
  category: string;
  recentBlocks: number;
  recentJobs: number;
  baselineBlocks: number;
  baselineJobs: number;
  recentRate: number;
  baselineRate: number;
  /** recentRate / baselineRate */
  ratio: number;
  /** enough blocks to judge, and above factor x baseline */
  firing: boolean;
}

const READ = `/* postfilterBlockRates */
WITH filtered AS (
  SELECT finished_at >= now() - $1 * interval '1 second' AS recent,
    CASE WHEN status = 'BLOCKED' THEN lower(coalesce(metadata #>> '{postfilter,category}', 'unknown')) END AS category
  FROM jobs
  WHERE finished_at >= now() - ($1 + $2) * interval '1 second'
    AND (status = 'SUCCEEDED' OR (status = 'BLOCKED' AND metadata ? 'postfilter'))
), totals AS (
  SELECT count(*) FILTER (WHERE recent)::int AS recent_jobs, count(*) FILTER (WHERE NOT recent)::int AS baseline_jobs FROM filtered
)
SELECT f.category, count(*) FILTER (WHERE f.recent)::int AS recent_blocks, count(*) FILTER (WHERE NOT f.recent)::int AS baseline_blocks,
  t.recent_jobs, t.baseline_jobs
FROM filtered f CROSS JOIN totals t
WHERE f.category IS NOT NULL
GROUP BY f.category, t.recent_jobs, t.baseline_jobs
ORDER BY f.category`;

export async function readBlockRates(sql: Sql, policy: BlockRatePolicy = BLOCK_RATE_POLICY): Promise<CategoryBlockRate[]> {
  const { rows } = await sql.query<{ category: string; recent_blocks: number; baseline_blocks: number; recent_jobs: number; baseline_jobs: number }>(
    READ, [policy.recentSeconds, policy.baselineSeconds]);
  return rows.map((r) => judgeCategory(r.category, r.recent_blocks, r.recent_jobs, r.baseline_blocks, r.baseline_jobs, policy));
}

export function judgeCategory(category: string, recentBlocks: number, recentJobs: number, baselineBlocks: number, baselineJobs: number,
  policy: BlockRatePolicy = BLOCK_RATE_POLICY): CategoryBlockRate {
  const recentRate = recentBlocks / Math.max(1, recentJobs);
  const baselineRate = (baselineBlocks + 1) / (baselineJobs + 1);
  const ratio = recentRate / baselineRate;
  return {
    category, recentBlocks, recentJobs, baselineBlocks, baselineJobs, recentRate, baselineRate, ratio,
    firing: recentBlocks >= policy.minBlocks && ratio > policy.factor,
  };
}

/** The alarm's value: the largest ratio among categories with at least minBlocks recent blocks, or null. */
export function worstRatio(rates: readonly CategoryBlockRate[], policy: BlockRatePolicy = BLOCK_RATE_POLICY): number | null {
  const judged = rates.filter((r) => r.recentBlocks >= policy.minBlocks);
  return judged.length === 0 ? null : Math.max(...judged.map((r) => r.ratio));
}
