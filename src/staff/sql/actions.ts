// The staff actions' statements. Each runs inside the action's transaction (src/staff/actions.ts), which
// also appends the audit row; each locks its target row first, so `before` is the row the action changed.
// Lock order, as everywhere: accounts before jobs, one job row at a time by primary key.
import { announceParams, announcing } from "../../queue/sql/announce.js";
import { CANCEL_NOTE, type CancelledBy } from "../../queue/sql/cancelJob.js";
import type { Sql } from "../../db/pool.js";
import type { ApiKeyRecord } from "../../accounts/api-keys.js";
import type { JobRecord } from "../../jobs/service.js";
import type { StaffAccountRecord } from "./accounts.js";
import { JOB_COLUMNS } from "./jobColumns.js";

const ACCOUNT = `id, name, tier, role, created_at AS "createdAt", suspended_at AS "suspendedAt", suspended_reason AS "suspendedReason"`;
const KEY = `id, account_id AS "accountId", key_hash AS "keyHash", prefix, name, created_at AS "createdAt", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"`;

/** lockJob — the job row, locked for the rest of the transaction. */
export async function lockJob(tx: Sql, id: string): Promise<JobRecord | null> {
  const { rows } = await tx.query<JobRecord>(`/* staffLockJob */ SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

/*
 * staffRetryJob — a FAILED job back to QUEUED with a fresh attempt budget and its settings unchanged
 * (prompt, seed, geometry, step budget). Progress, checkpoint and error are cleared; the fencing token is
 * redrawn so nothing an old lease still sends can match. created_at stays, so the job is at the head of
 * its lane (jobs_lane_idx, jobs_queue_idx). The retry is recorded in metadata.staffRetries.
 */
export async function retryFailedJob(tx: Sql, id: string, by: { accountId: string; reason: string }): Promise<JobRecord | null> {
  const { rows } = await tx.query<JobRecord>(
    `/* staffRetryJob */
     UPDATE jobs j SET status = 'QUEUED', stage = 'QUEUED', attempts = 0, run_after = now(), steps_completed = 0,
       progress = '{}', checkpoint = NULL, error_code = NULL, error_message = NULL, finished_at = NULL,
       cancel_requested_at = NULL, lease_owner = NULL, lease_expires_at = NULL, avoid_worker = NULL,
       fencing_token = nextval('job_fencing_seq'), updated_at = now(),
       metadata = j.metadata || jsonb_build_object('staffRetries', coalesce(j.metadata->'staffRetries', '[]'::jsonb)
         || jsonb_build_array(jsonb_build_object('at', now(), 'by', $2::text, 'reason', $3::text,
              'previousAttempts', j.attempts, 'previousError', j.error_code)))
     WHERE j.id = $1 AND j.status = 'FAILED' AND j.deleted_at IS NULL -- a tombstone is not run again (src/removal)
     RETURNING ${JOB_COLUMNS}`, [id, by.accountId, by.reason]);
  return rows[0] ?? null;
}

export async function lockKey(tx: Sql, id: string): Promise<ApiKeyRecord | null> {
  const { rows } = await tx.query<ApiKeyRecord>(`/* staffLockKey */ SELECT ${KEY} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

/** staffRevokeKey — revoked now (a key in its rotation grace period too); null when already revoked. */
export async function revokeKey(tx: Sql, id: string): Promise<ApiKeyRecord | null> {
  const { rows } = await tx.query<ApiKeyRecord>(
    `/* staffRevokeKey */ UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND (revoked_at IS NULL OR revoked_at > now()) RETURNING ${KEY}`, [id]);
  return rows[0] ?? null;
}

export async function lockAccount(tx: Sql, id: string): Promise<StaffAccountRecord | null> {
  const { rows } = await tx.query<StaffAccountRecord>(`/* staffLockAccount */ SELECT ${ACCOUNT} FROM accounts WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

/** staffUpdateAccount — tier and suspension as given (the caller read the locked row first). */
export async function updateAccount(tx: Sql, id: string, fields: { tier: string; suspendedAt: Date | null; suspendedReason: string | null }): Promise<StaffAccountRecord> {
  const { rows } = await tx.query<StaffAccountRecord>(
    `/* staffUpdateAccount */ UPDATE accounts SET tier = $2::"Tier", suspended_at = $3, suspended_reason = $4 WHERE id = $1 RETURNING ${ACCOUNT}`,
    [id, fields.tier, fields.suspendedAt, fields.suspendedReason]);
  return rows[0]!;
}

/*
 * staffCancelAccountJobs — on suspension: every QUEUED job of the account CANCELLED at once, every RUNNING
 * one marked (its worker stops within a step, as for an owner's cancel). Walks
 * jobs_account_id_created_at_id_idx; rows are locked in index order.
 */
export async function cancelAccountJobs(tx: Sql, accountId: string, by: CancelledBy, channel: string | null): Promise<{ id: string; status: "CANCELLED" | "RUNNING"; stage: string }[]> {
  // Announced in the statement (announce.ts), as the owner's cancel is: sent when the suspension commits.
  const { rows } = await tx.query<{ id: string; status: "CANCELLED" | "RUNNING"; stage: string }>(announcing(
    `/* staffCancelAccountJobs */
     UPDATE jobs SET
       status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"JobStatus" ELSE status END,
       finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
       -- who cancelled, in the statement itself (the timeline's trigger reads it; cancelJob.ts)
       metadata = CASE WHEN cancel_requested_at IS NULL THEN ${CANCEL_NOTE("$2")} ELSE metadata END,
       cancel_requested_at = coalesce(cancel_requested_at, now()), updated_at = now()
     WHERE account_id = $1 AND status IN ('QUEUED', 'RUNNING')
     RETURNING id, status::text AS status, stage::text AS stage`, 3), [accountId, JSON.stringify(by), ...announceParams(channel, { queueChanged: true })]);
  return rows;
}
