import type { Sql } from "../../db/pool.js";
import type { JobStage, JobStatus } from "../../jobs/states.js";
import { announceParams, announcing } from "./announce.js";

/*
 * cancelJob — the owner's cancel. A queued job is CANCELLED at once; a running one is marked, and its
 * worker sees the mark on its next progress write or heartbeat and stops within one step. Scoped by
 * account_id, so nobody can cancel another account's job. If a claim holds the row lock, this waits for
 * it and re-reads the row (it is RUNNING by then, so it is marked, not cancelled). Primary-key lookup.
 * Announced in the same statement (announce.ts) when the bus is PostgreSQL's: a crash or a pool error
 * after the update can no longer leave every subscriber of the job waiting for an event never sent.
 */
const CANCEL = announcing(`/* cancelJob */
UPDATE jobs SET
  status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"JobStatus" ELSE status END,
  finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
  cancel_requested_at = coalesce(cancel_requested_at, now()),
  updated_at = now()
WHERE id = $1 AND account_id = $2 AND status IN ('QUEUED', 'RUNNING')
RETURNING id, status, stage`, 3);

/**
 * Returns the status and stage after the cancel, or null when the job was not queued or running.
 * `channel`: the bus's NOTIFY channel (null: the caller publishes in-process).
 */
export async function cancelJob(sql: Sql, jobId: string, accountId: string, channel: string | null = null): Promise<{ status: JobStatus; stage: JobStage } | null> {
  // queueChanged: a queued job left the queue (for a marked running one it costs one batched refresh)
  const { rows } = await sql.query<{ status: JobStatus; stage: JobStage }>(CANCEL, [jobId, accountId, ...announceParams(channel, { queueChanged: true })]);
  return rows[0] ?? null;
}
