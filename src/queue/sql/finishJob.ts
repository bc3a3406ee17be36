import type { Sql } from "../../db/pool.js";
import type { JobStatus } from "../../jobs/states.js";
import type { Lease } from "../types.js";
import { fencedWrite } from "./fenced.js";

/*
 * completeJob — SUCCEEDED with the delivered video. Fenced; locks one row by primary key.
 */
const COMPLETE = `/* completeJob */
UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', video = $3::jsonb, metadata = metadata || $4::jsonb,
  error_code = NULL, error_message = NULL, progress = '{}', finished_at = now(), updated_at = now(),
  lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING status`;

export async function completeJob(sql: Sql, lease: Lease, video: unknown, metadata: Record<string, unknown>): Promise<void> {
  await fencedWrite(sql, "completeJob", COMPLETE, lease, [video === undefined ? null : JSON.stringify(video), JSON.stringify(metadata)]);
}

/*
 * failJob — a classified failure. Retryable and attempts left: back to QUEUED, runnable after the backoff
 * (the caller computes it from `attempts`); otherwise FAILED with the error code. A job whose owner
 * asked to cancel it ends CANCELLED instead of running again. Fenced.
 */
const FAIL = `/* failJob */
UPDATE jobs SET
  status = CASE WHEN cancel_requested_at IS NOT NULL THEN 'CANCELLED'::"JobStatus"
                WHEN $3 AND attempts < max_attempts THEN 'QUEUED'::"JobStatus" ELSE 'FAILED'::"JobStatus" END,
  stage = CASE WHEN cancel_requested_at IS NULL AND $3 AND attempts < max_attempts THEN 'QUEUED'::"JobStage" ELSE stage END,
  run_after = now() + $4 * interval '1 millisecond',
  finished_at = CASE WHEN cancel_requested_at IS NULL AND $3 AND attempts < max_attempts THEN NULL ELSE now() END,
  error_code = $5, error_message = $6, progress = '{}', updated_at = now(),
  lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING status`;

export async function failJob(
  sql: Sql, lease: Lease, error: { code: string; message: string; retryable: boolean }, retryDelayMs: number,
): Promise<{ status: JobStatus }> {
  return fencedWrite<{ status: JobStatus }>(sql, "failJob", FAIL, lease, [error.retryable, retryDelayMs, error.code, error.message]);
}

/*
 * releaseJob — a worker shutting down hands the job back at once (runnable now, progress and checkpoints
 * kept) so another worker resumes it without waiting for the lease to expire; one its owner asked to
 * cancel ends CANCELLED. Fenced.
 */
const RELEASE = `/* releaseJob */
UPDATE jobs SET
  status = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStatus" ELSE 'CANCELLED'::"JobStatus" END,
  stage = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStage" ELSE stage END,
  finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
  run_after = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING status`;

export async function releaseJob(sql: Sql, lease: Lease): Promise<{ status: JobStatus }> {
  return fencedWrite<{ status: JobStatus }>(sql, "releaseJob", RELEASE, lease);
}

/*
 * acknowledgeCancel — the worker stopped a job whose owner cancelled it: CANCELLED. Fenced.
 */
const ACK_CANCEL = `/* acknowledgeCancel */
UPDATE jobs SET status = 'CANCELLED', progress = '{}', finished_at = now(), updated_at = now(),
  lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING status`;

export async function acknowledgeCancel(sql: Sql, lease: Lease): Promise<void> {
  await fencedWrite(sql, "acknowledgeCancel", ACK_CANCEL, lease);
}
