import type { Sql } from "../../db/pool.js";
import { announceParams, announcing, type WrittenRow } from "./announce.js";

/*
 * expireJobs — queued jobs whose deadline (jobs.deadline_at = submission + deadlineSeconds) passed before
 * any worker started them become EXPIRED: finished, error DEADLINE_EXCEEDED, stage left at QUEUED (they
 * never entered the pipeline), each announced like every status change (announce.ts), a plain row update
 * so anything that follows jobs' status changes sees it. A job that was started once and is queued again
 * for a retry is not expired: the deadline is about starting. The claim never starts a job past its
 * deadline (claimJob.ts), so between the deadline and this sweep the job just waits here. Locks: the jobs
 * SKIP LOCKED (a claimer holding one decides it; two sweepers split the work); no counter rows: QUEUED ->
 * EXPIRED does not touch the running counts. Index: jobs_deadline_idx (partial: QUEUED with a deadline).
 */
const EXPIRE = announcing(`/* expireJobs */
UPDATE jobs AS j SET status = 'EXPIRED', error_code = 'DEADLINE_EXCEEDED',
  error_message = 'No worker started the job before its deadline.', finished_at = now(), updated_at = now()
FROM (
  SELECT id FROM jobs
  WHERE status = 'QUEUED' AND deadline_at IS NOT NULL AND deadline_at <= now() AND started_at IS NULL
  ORDER BY deadline_at
  LIMIT 500
  FOR UPDATE SKIP LOCKED
) due WHERE j.id = due.id
RETURNING j.id, j.status, j.stage`, 1);

export async function expireJobs(sql: Sql, channel: string | null): Promise<WrittenRow[]> {
  const { rows } = await sql.query<WrittenRow>({ name: "expireJobs", text: EXPIRE, values: announceParams(channel, { queueChanged: true }) });
  return rows;
}
