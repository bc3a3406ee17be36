import type { Sql } from "../../db/pool.js";
import type { JobStage } from "../../jobs/states.js";
import type { ClaimedJob } from "../types.js";
import { announceParams, announcing } from "./announce.js";

/*
 * claimJob — one statement: pick the oldest runnable queued job and lease it.
 * Locks: the CTE takes a row lock with SKIP LOCKED, so concurrent claimers never wait on each other and
 * never take the same row; the UPDATE then runs on the locked row. Index: jobs_queue_idx (partial,
 * status = 'QUEUED', ordered by created_at, id), so the scan starts at the head of the queue.
 * Every claim draws a new fencing token from job_fencing_seq and counts an attempt. The job enters the
 * pipeline's first stage ($3) here, which saves the runner a write per job. A job whose last failure
 * asked for another worker skips the worker that failed it, unless nobody else took it for 30 s.
 */
const CLAIM = announcing(`/* claimJob */
WITH next AS (
  SELECT id FROM jobs
  WHERE status = 'QUEUED' AND run_after <= now()
    AND (avoid_worker IS NULL OR avoid_worker <> $1 OR run_after < now() - interval '30 seconds')
  ORDER BY created_at, id
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
UPDATE jobs AS j SET
  status = 'RUNNING',
  stage = coalesce($3::"JobStage", j.stage),
  -- a new run starts where the last checkpoint left off, not where the last run happened to stop
  steps_completed = coalesce((j.checkpoint->>'step')::int, 0),
  attempts = j.attempts + 1,
  lease_owner = $1,
  lease_expires_at = now() + $2 * interval '1 millisecond',
  fencing_token = nextval('job_fencing_seq'),
  started_at = coalesce(j.started_at, now()),
  updated_at = now()
FROM next WHERE j.id = next.id
RETURNING j.id, j.account_id, j.tier, j.status, j.stage, j.prompt, j.resolution, j.width, j.height, j.duration_seconds,
  j.fps, j.seed, j.step_budget, j.steps_completed, j.attempts, j.max_attempts, j.fencing_token, j.metadata, j.checkpoint`, 4);

export async function claimJob(
  sql: Sql, workerId: string, leaseMs: number, firstStage: JobStage | null, channel: string | null,
): Promise<ClaimedJob | null> {
  const { rows } = await sql.query({
    name: "claimJob", text: CLAIM,
    values: [workerId, leaseMs, firstStage, ...announceParams(channel, { queueChanged: true })],
  });
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id, accountId: r.account_id, tier: r.tier, stage: r.stage, prompt: r.prompt, resolution: r.resolution,
    width: r.width, height: r.height, durationSeconds: r.duration_seconds, fps: r.fps, seed: r.seed,
    stepBudget: r.step_budget, stepsCompleted: r.steps_completed, attempts: r.attempts, maxAttempts: r.max_attempts,
    fencingToken: r.fencing_token, metadata: r.metadata ?? {}, checkpoint: r.checkpoint ?? null,
  };
}
