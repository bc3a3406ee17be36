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
 * Who asked ($3: the owner, or a staff account with its reason) is kept in metadata.cancel by the same
 * statement, so the timeline's CANCEL_REQUESTED / CANCELLED events (the jobs trigger, 0008) can say who;
 * the first request is the one kept.
 */
/** Who cancelled a job: its owner, or staff (with the staff account, its role and the reason given). */
export type CancelledBy = { by: "owner"; accountId: string } | { by: "staff"; accountId: string; role: string; reason: string };

/** The metadata expression that records who cancelled (`param`: a jsonb CancelledBy), stamped with now(). */
export const CANCEL_NOTE = (param: string): string =>
  `metadata || jsonb_build_object('cancel', ${param}::jsonb || jsonb_build_object('at', now()))`;

const CANCEL = announcing(`/* cancelJob */
UPDATE jobs SET
  status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED'::"JobStatus" ELSE status END,
  finished_at = CASE WHEN status = 'QUEUED' THEN now() ELSE finished_at END,
  metadata = CASE WHEN cancel_requested_at IS NULL THEN ${CANCEL_NOTE("$3")} ELSE metadata END,
  cancel_requested_at = coalesce(cancel_requested_at, now()),
  updated_at = now()
WHERE id = $1 AND account_id = $2 AND status IN ('QUEUED', 'RUNNING')
RETURNING id, status, stage`, 4);

/**
 * Returns the status and stage after the cancel, or null when the job was not queued or running.
 * `channel`: the bus's NOTIFY channel (null: the caller publishes in-process); `by`: who asked (default: the owner).
 */
export async function cancelJob(
  sql: Sql, jobId: string, accountId: string, channel: string | null = null, by: CancelledBy = { by: "owner", accountId },
): Promise<{ status: JobStatus; stage: JobStage } | null> {
  // queueChanged: a queued job left the queue (for a marked running one it costs one batched refresh)
  const { rows } = await sql.query<{ status: JobStatus; stage: JobStage }>(CANCEL, [jobId, accountId, JSON.stringify(by), ...announceParams(channel, { queueChanged: true })]);
  return rows[0] ?? null;
}
