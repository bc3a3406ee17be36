import type { Sql } from "../../db/pool.js";
import type { Lease } from "../types.js";
import { announceParams, announcing, type WrittenRow } from "./announce.js";
import { fencedWrite } from "./fenced.js";

/*
 * restartJob — the job's checkpoint reference cannot be trusted (the object is missing, unreadable, or
 * made by another model or request): the claim had already shown its step, so running on from step 0
 * under the same lease would freeze live progress (subscribers drop a lease's step events that go back)
 * while the early steps re-ran. Instead the job goes back to the queue as a fresh start: reference
 * dropped (kept in metadata for support), 0 steps, runnable now, the attempt not counted (like a
 * hand-back); the next claim draws a new lease, which subscribers follow from its own step count. One
 * whose owner asked to cancel it ends CANCELLED. Fenced; primary-key write; announced.
 */
export const RESTART = announcing(`/* restartJob */
UPDATE jobs SET
  status = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStatus" ELSE 'CANCELLED'::"JobStatus" END,
  stage = CASE WHEN cancel_requested_at IS NULL THEN 'QUEUED'::"JobStage" ELSE stage END,
  finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
  metadata = metadata || jsonb_build_object('discardedCheckpoint', checkpoint || jsonb_build_object('reason', $3::text)),
  checkpoint = NULL, steps_completed = 0, progress = '{}',
  attempts = greatest(attempts - 1, 0),
  run_after = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
RETURNING id, status, stage`, 4);

export function restartJob(sql: Sql, lease: Lease, reason: string, channel: string | null): Promise<WrittenRow> {
  return fencedWrite<WrittenRow>(sql, "restartJob", RESTART, lease, [reason, ...announceParams(channel, { queueChanged: true })]);
}
