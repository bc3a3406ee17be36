// The re-scan's SQL (prisma/migrations/0014_safety_switches). One statement per function, each tagged.
import type { Sql } from "../../db/pool.js";
import { sampleSql } from "./sample.js";

export interface ClaimedClip { jobId: string; key: string }
export interface RescanClaim { candidates: number; sampled: number; claimed: ClaimedClip[] }

/** insertRescanRun — a run's row, before it starts; returns its id. */
export async function insertRun(sql: Sql, rate: number, windowSeconds: number): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    `/* insertRescanRun */ INSERT INTO rescan_runs (rate, window_seconds) VALUES ($1, $2) RETURNING id::text`, [rate, windowSeconds]);
  return rows[0]!.id;
}

/**
 * claimRescanClips — in one statement: the clips delivered in the window (SUCCEEDED with a stored video;
 * jobs_succeeded_idx), those the day's draw samples, and a (job, day) row for each sampled clip
 * not yet re-scanned that day. The insert does nothing for a pair that exists, so a clip is re-scanned at
 * most once a day even by two overlapping runs (a leadership handover): only the run whose insert
 * created the row scans it.
 */
export async function claimClips(sql: Sql, runId: string, day: string, rate: number, windowSeconds: number): Promise<RescanClaim> {
  const { rows } = await sql.query<{ candidates: number; sampled: number; claimed: ClaimedClip[] | null }>(
    `/* claimRescanClips */
     WITH candidates AS (
       SELECT id, video->>'key' AS key FROM jobs
       WHERE status = 'SUCCEEDED' AND finished_at >= now() - $4 * interval '1 second' AND video->>'key' IS NOT NULL),
     sampled AS (SELECT id, key FROM candidates WHERE ${sampleSql("id", "$2")} < $3),
     claimed AS (
       INSERT INTO rescan_checks (job_id, day, run_id) SELECT id, $2::date, $1::bigint FROM sampled
       ON CONFLICT (job_id, day) DO NOTHING RETURNING job_id)
     SELECT (SELECT count(*)::int FROM candidates) AS candidates, (SELECT count(*)::int FROM sampled) AS sampled,
       (SELECT json_agg(json_build_object('jobId', s.id, 'key', s.key)) FROM sampled s JOIN claimed c ON c.job_id = s.id) AS claimed`,
    [runId, day, rate, windowSeconds]);
  const r = rows[0]!;
  return { candidates: r.candidates, sampled: r.sampled, claimed: r.claimed ?? [] };
}

/** finishRescanCheck — one clip's outcome. */
export async function finishCheck(sql: Sql, jobId: string, day: string, outcome: "clean" | "hit" | "error", category: string | null, detail: unknown): Promise<void> {
  await sql.query(
    `/* finishRescanCheck */ UPDATE rescan_checks SET outcome = $3, category = $4, detail = $5::jsonb, checked_at = now() WHERE job_id = $1 AND day = $2::date`,
    [jobId, day, outcome, category, JSON.stringify(detail ?? null)]);
}

export interface RescanRunRecord { id: string; candidates: number; sampled: number; scanned: number; hits: number; errors: number; bank: string | null }

/** finishRescanRun — the run's counts. */
export async function finishRun(sql: Sql, run: RescanRunRecord): Promise<void> {
  await sql.query(
    `/* finishRescanRun */ UPDATE rescan_runs SET finished_at = now(), candidates = $2, sampled = $3, scanned = $4, hits = $5, errors = $6, bank = $7 WHERE id = $1`,
    [run.id, run.candidates, run.sampled, run.scanned, run.hits, run.errors, run.bank]);
}
