import type { Sql } from "../../db/pool.js";
import type { Lease } from "../types.js";
import { announceParams, announcing, type WrittenRow } from "./announce.js";
import { fencedWrite } from "./fenced.js";

// The ways a claimed job ends its lease. All are fenced, lock one row by primary key, and announce the
// new status. Each leaves lease_owner and lease_expires_at empty.

/*
 * completeJobs — SUCCEEDED with the delivered video, for a batch of leases in one statement (the jobs a
 * process finished while its previous batch was in flight: completions.ts). Each job is fenced on its own
 * token; a job whose lease is gone is simply not in the result. A job whose outputs are being removed
 * (its owner deleted it while it ran: removal_reason is set, in the same transaction as the cancel mark)
 * ends CANCELLED without a video instead: the delete and this write lock the same row, so whichever
 * commits second sees the other, and a finishing worker can never deliver (resurrect) a deleted job's clip.
 * Announced in the statement, like every end of a job: a subscriber hears it even if the worker dies
 * right after the commit. Why a batch: a notifying commit holds PostgreSQL's NOTIFY lock through its WAL
 * flush, so one completion per commit made every completion in the cluster wait for the one before it;
 * a batch of k pays that wait once.
 * Locks: the batch's job rows, in id order (the `locked` CTE), so two batches that share a row (only a
 * stale lease's can) never wait on each other in a cycle; then their accounts' exit counter rows
 * (scheduler_account_exits, 0028), in account order (`counters`, as sweepExpiredLeases takes them), before
 * any job is updated; the status trigger's updates of those rows (one per job leaving RUNNING) then find
 * them held. No claim locks those rows (a claim locks the entered row, 0028), so a completion never
 * waits on a claim call, and a claim never skips an account because a completion holds it. Left to the trigger,
 * they were taken in the order the UPDATE visits the jobs: two processes' batches sharing accounts each
 * held one and waited for the other (40P01 at 2,000 simulated jobs over two hosts, bench:fleet;
 * test/completion-locks.test.ts). The jobs are found by key (`id = ANY(...)`: the planner cannot know how
 * many rows the input has, and joined it to a scan of every running job; fenced.ts says why
 * `status::text`). The uncorrelated count(*) is a one-time filter: PostgreSQL runs it,
 * and so takes every counter lock, before the UPDATE touches its first row.
 */
/** The completion statement (exported for bench/queue-sql.ts, which runs this very text under pgbench). */
export const COMPLETE = `/* completeJobs */
WITH input AS (
  SELECT x.id, x.token, x.video, x.metadata FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, token bigint, video jsonb, metadata jsonb)
),
locked AS (
  SELECT j.id, j.account_id FROM jobs j JOIN input x ON x.id = j.id
  WHERE j.id = ANY (ARRAY(SELECT id FROM input)) AND j.fencing_token = x.token AND j.status::text = 'RUNNING'
  ORDER BY j.id FOR NO KEY UPDATE OF j
),
counters AS MATERIALIZED (
  SELECT account_id FROM scheduler_account_exits WHERE account_id IN (SELECT account_id FROM locked)
  ORDER BY account_id FOR UPDATE
),
written AS (
  UPDATE jobs SET status = CASE WHEN removal_reason IS NULL THEN 'SUCCEEDED'::"JobStatus" ELSE 'CANCELLED'::"JobStatus" END,
    stage = CASE WHEN removal_reason IS NULL THEN 'DONE'::"JobStage" ELSE stage END,
    video = CASE WHEN removal_reason IS NULL THEN x.video END, metadata = jobs.metadata || x.metadata,
    error_code = NULL, error_message = NULL, progress = '{}', finished_at = now(), updated_at = now(),
    lease_owner = NULL, lease_expires_at = NULL
  FROM input x
  WHERE jobs.id = x.id AND jobs.id IN (SELECT id FROM locked) AND jobs.fencing_token = x.token AND jobs.status::text = 'RUNNING'
    AND (SELECT count(*) FROM counters) >= 0
  RETURNING jobs.id, jobs.status, jobs.stage, jobs.fencing_token
)
SELECT written.*, CASE WHEN $2::text IS NULL THEN NULL ELSE pg_notify($2::text,
  jsonb_build_object('kind', 'job', 'jobId', written.id, 'status', written.status, 'stage', written.stage)::text) END AS announced
FROM written`;

export interface Completion { lease: Lease; video: unknown; metadata: Record<string, unknown> }

/** Completes each lease that still holds; returns the rows written (a lost lease's job is absent). */
export async function completeJobs(sql: Sql, batch: Completion[], channel: string | null): Promise<(WrittenRow & { fencing_token: number })[]> {
  const input = batch.map((c) => ({ id: c.lease.jobId, token: c.lease.fencingToken, video: c.video ?? null, metadata: c.metadata }));
  const { rows } = await sql.query<WrittenRow & { fencing_token: number }>({ name: "completeJobs", text: COMPLETE, values: [JSON.stringify(input), channel] });
  return rows;
}

/*
 * failJob — a classified failure. Retryable and attempts left: back to QUEUED, runnable after the backoff
 * (the caller computes it from `attempts`); otherwise FAILED with the error code. A failure kind may
 * allow fewer attempts ($7) and ask for another worker ($8: this worker is avoided for a while). A job
 * whose owner asked to cancel it ends CANCELLED instead of running again.
 */
const WILL_RETRY = `cancel_requested_at IS NULL AND $3 AND attempts < least(max_attempts, coalesce($7::int, max_attempts))`;
export const FAIL = announcing(`/* failJob */
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
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
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
export const RELEASE = announcing(`/* releaseJob */
UPDATE jobs SET
  status = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStatus" ELSE 'CANCELLED'::"JobStatus" END,
  stage = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStage" ELSE stage END,
  finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
  -- a hand-back is not a failed attempt: deploys must not use up a job's retries
  attempts = greatest(attempts - 1, 0),
  run_after = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
RETURNING id, status, stage`, 3);

export function releaseJob(sql: Sql, lease: Lease, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "releaseJob", RELEASE, lease, announceParams(channel, { queueChanged: true }));
}

/*
 * blockJob — the safety post-filter refused the content: BLOCKED in the stage that decided, with the
 * category and the audit record; the checkpoint reference is dropped (nothing of it is resumed).
 */
export const BLOCK = announcing(`/* blockJob */
UPDATE jobs SET status = 'BLOCKED', error_code = $3, error_message = $4, metadata = metadata || $5::jsonb,
  checkpoint = NULL, progress = '{}', finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
RETURNING id, status, stage`, 6);

export function blockJob(sql: Sql, lease: Lease, code: string, message: string, metadata: Record<string, unknown>, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "blockJob", BLOCK, lease, [code, message, JSON.stringify(metadata), ...announceParams(channel, {})]);
}

/*
 * acknowledgeCancel — the worker stopped a job whose owner cancelled it: CANCELLED.
 */
export const ACK_CANCEL = announcing(`/* acknowledgeCancel */
UPDATE jobs SET status = 'CANCELLED', progress = '{}', finished_at = now(), updated_at = now(),
  lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
RETURNING id, status, stage`, 3);

export function acknowledgeCancel(sql: Sql, lease: Lease, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "acknowledgeCancel", ACK_CANCEL, lease, announceParams(channel, {}));
}
