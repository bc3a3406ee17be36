import type { Sql } from "../../db/pool.js";
import type { JobStatus } from "../../jobs/states.js";

/*
 * cancelJob — the owner's cancel. A queued job is CANCELLED at once; a running one is marked, and its
 * worker sees the mark on its next progress write or heartbeat and stops within one step. Scoped by
 * account_id, so nobody can cancel another account's job. If a claim holds the row lock, this waits for
 * it and re-reads the row (it is RUNNING by then, so it is marked, not cancelled). Primary-key lookup.
 */
const CANCEL = `/* cancelJob */
UPDATE jobs SET
  status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"JobStatus" ELSE status END,
  finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
  cancel_requested_at = coalesce(cancel_requested_at, now()),
  updated_at = now()
WHERE id = $1 AND account_id = $2 AND status IN ('QUEUED', 'RUNNING')
RETURNING status`;

/** Returns the status after the cancel, or null when the job was not queued or running. */
export async function cancelJob(sql: Sql, jobId: string, accountId: string): Promise<JobStatus | null> {
  const { rows } = await sql.query<{ status: JobStatus }>(CANCEL, [jobId, accountId]);
  return rows[0]?.status ?? null;
}
