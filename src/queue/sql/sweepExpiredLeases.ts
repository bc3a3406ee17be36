import type { Sql } from "../../db/pool.js";
import { announceParams, announcing, type WrittenRow } from "./announce.js";

/*
 * sweepExpiredLeases — jobs whose worker stopped heartbeating. Each goes back to QUEUED (runnable now;
 * the next claim counts the attempt), or FAILED with LEASE_EXPIRED when its attempts are spent, or
 * CANCELLED when its owner had asked; each is announced. A new fencing token is drawn so nothing the dead worker still
 * sends can match. Locks: the jobs SKIP LOCKED, so two sweepers split the work; then their accounts'
 * exit counter rows (scheduler_account_exits, 0028: no claim locks them) in account order (as completions
 * and the reconciler take them), before any is updated. Index: jobs_running_idx (0027: the
 * running set, each row's expiry checked; a few rows per GPU group).
 */
const SWEEP = announcing(`/* sweepExpiredLeases */
WITH expired AS (
  SELECT id, account_id FROM jobs
  WHERE status = 'RUNNING' AND lease_expires_at < now()
  ORDER BY lease_expires_at
  LIMIT 100
  FOR UPDATE SKIP LOCKED
),
-- The exit counter rows (0028) the status trigger will update, locked first and in account order: taken in update
-- order instead, two sweepers (disjoint jobs, shared accounts) could each hold one and wait for the other.
counters AS MATERIALIZED (
  SELECT account_id FROM scheduler_account_exits WHERE account_id IN (SELECT account_id FROM expired)
  ORDER BY account_id FOR UPDATE
)
UPDATE jobs AS j SET
  status = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'CANCELLED'::"JobStatus"
                WHEN j.attempts >= j.max_attempts THEN 'FAILED'::"JobStatus"
                ELSE 'QUEUED'::"JobStatus" END,
  stage = CASE WHEN j.cancel_requested_at IS NULL AND j.attempts < j.max_attempts THEN 'QUEUED'::"JobStage" ELSE j.stage END,
  error_code = CASE WHEN j.cancel_requested_at IS NULL THEN 'LEASE_EXPIRED' ELSE j.error_code END,
  error_message = CASE WHEN j.cancel_requested_at IS NULL THEN 'the worker running this job stopped responding' ELSE j.error_message END,
  finished_at = CASE WHEN j.cancel_requested_at IS NOT NULL OR j.attempts >= j.max_attempts THEN now() END,
  fencing_token = nextval('job_fencing_seq'),
  run_after = now(), progress = '{}', updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
FROM expired WHERE j.id = expired.id AND (SELECT count(*) FROM counters) >= 0
RETURNING j.id, j.status, j.stage`, 1);

export async function sweepExpiredLeases(sql: Sql, channel: string | null): Promise<WrittenRow[]> {
  const { rows } = await sql.query<WrittenRow>({ name: "sweepExpiredLeases", text: SWEEP, values: announceParams(channel, { queueChanged: true }) });
  return rows;
}
