import type { Sql } from "../../db/pool.js";
import type { Lease } from "../types.js";
import { announceParams, announcing, type WrittenRow } from "./announce.js";
import { fencedWrite } from "./fenced.js";

// The ways a claimed job ends its lease. All are fenced, lock one row by primary key, and announce the
// new status. Each leaves lease_owner and lease_expires_at empty.

/*
 * completeJob — SUCCEEDED with the delivered video. A job whose outputs are being removed (its owner
 * deleted it while it ran: removal_reason is set, in the same transaction as the cancel mark) ends
 * CANCELLED without a video instead: the delete and this write lock the same row, so whichever commits
 * second sees the other, and a finishing worker can never deliver (resurrect) a deleted job's clip.
 */
const COMPLETE = announcing(`/* completeJob */
UPDATE jobs SET status = CASE WHEN removal_reason IS NULL THEN 'SUCCEEDED'::"JobStatus" ELSE 'CANCELLED'::"JobStatus" END,
  stage = CASE WHEN removal_reason IS NULL THEN 'DONE'::"JobStage" ELSE stage END,
  video = CASE WHEN removal_reason IS NULL THEN $3::jsonb END, metadata = metadata || $4::jsonb,
  error_code = NULL, error_message = NULL, progress = '{}', finished_at = now(), updated_at = now(),
  lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING id, status, stage`, 5);

export function completeJob(sql: Sql, lease: Lease, video: unknown, metadata: Record<string, unknown>, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "completeJob", COMPLETE, lease, [
    video === undefined ? null : JSON.stringify(video), JSON.stringify(metadata), ...announceParams(channel, {}),
  ]);
}

/*
 * failJob — a classified failure. Retryable and attempts left: back to QUEUED, runnable after the backoff
 * (the caller computes it from `attempts`); otherwise FAILED with the error code. A failure kind may
 * allow fewer attempts ($7) and ask for another worker ($8: this worker is avoided for a while). A job
 * whose owner asked to cancel it ends CANCELLED instead of running again.
 */
const WILL_RETRY = `cancel_requested_at IS NULL AND $3 AND attempts < least(max_attempts, coalesce($7::int, max_attempts))`;
const FAIL = announcing(`/* failJob */
UPDATE jobs SET
  status = CASE WHEN cancel_requested_at IS NOT NULL THEN 'CANCELLED'::"JobStatus"
                WHEN ${WILL_RETRY} THEN 'QUEUED'::"JobStatus" ELSE 'FAILED'::"JobStatus" END,
  stage = CASE WHEN ${WILL_RETRY} THEN 'QUEUED'::"JobStage" ELSE stage END,
  run_after = now() + $4 * interval '1 millisecond',
  finished_at = CASE WHEN ${WILL_RETRY} THEN NULL ELSE now() END,
  avoid_worker = CASE WHEN $8 THEN lease_owner END,
  -- Every failure is kept on the job for support and alarms: which attempt, which worker, which code.
  metadata = jsonb_set(metadata, '{failures}', coalesce(metadata->'failures', '[]'::jsonb)
    || jsonb_build_array(jsonb_build_object('attempt', attempts, 'worker', lease_owner, 'code', $5::text, 'at', now()))),
  error_code = $5, error_message = $6, progress = '{}', updated_at = now(),
  lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING id, status, stage`, 9);

export interface FailWrite { code: string; message: string; retryable: boolean; maxAttempts?: number; avoidWorker?: boolean }

export function failJob(sql: Sql, lease: Lease, error: FailWrite, retryDelayMs: number, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "failJob", FAIL, lease, [
    error.retryable, retryDelayMs, error.code, error.message, error.maxAttempts ?? null, error.avoidWorker ?? false,
    ...announceParams(channel, { queueChanged: true }),
  ]);
}

/*
 * releaseJob — a worker shutting down hands the job back at once (runnable now, progress and checkpoints
 * kept) so another worker resumes it without waiting for the lease to expire; one its owner asked to
 * cancel ends CANCELLED.
 */
const RELEASE = announcing(`/* releaseJob */
UPDATE jobs SET
  status = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStatus" ELSE 'CANCELLED'::"JobStatus" END,
  stage = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStage" ELSE stage END,
  finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
  -- a hand-back is not a failed attempt: deploys must not use up a job's retries
  attempts = greatest(attempts - 1, 0),
  run_after = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING id, status, stage`, 3);

export function releaseJob(sql: Sql, lease: Lease, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "releaseJob", RELEASE, lease, announceParams(channel, { queueChanged: true }));
}

/*
 * blockJob — the safety post-filter refused the content: BLOCKED in the stage that decided, with the
 * category and the audit record; the checkpoint reference is dropped (nothing of it is resumed).
 */
const BLOCK = announcing(`/* blockJob */
UPDATE jobs SET status = 'BLOCKED', error_code = $3, error_message = $4, metadata = metadata || $5::jsonb,
  checkpoint = NULL, progress = '{}', finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING id, status, stage`, 6);

export function blockJob(sql: Sql, lease: Lease, code: string, message: string, metadata: Record<string, unknown>, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "blockJob", BLOCK, lease, [code, message, JSON.stringify(metadata), ...announceParams(channel, {})]);
}

/*
 * acknowledgeCancel — the worker stopped a job whose owner cancelled it: CANCELLED.
 */
const ACK_CANCEL = announcing(`/* acknowledgeCancel */
UPDATE jobs SET status = 'CANCELLED', progress = '{}', finished_at = now(), updated_at = now(),
  lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING id, status, stage`, 3);

export function acknowledgeCancel(sql: Sql, lease: Lease, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "acknowledgeCancel", ACK_CANCEL, lease, announceParams(channel, {}));
}
