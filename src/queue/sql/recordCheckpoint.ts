import type { Sql } from "../../db/pool.js";
import type { CheckpointRef, Lease } from "../types.js";
import { fencedWrite } from "./fenced.js";
import type { ProgressWrite } from "./recordProgress.js";

/*
 * recordCheckpoint — points the job at a checkpoint the worker has just stored, stamped with its lease.
 * Fenced: a worker that lost its lease cannot replace the new owner's checkpoint. Primary-key write,
 * committed synchronously (a resume relies on it).
 *
 * The same write carries what a progress row write would have (issue 18: fewer row writes per running
 * job): the pipelined steps not yet written (src/queue/step-pipeline.ts hands them over) and the lease's
 * extension, so a checkpoint also counts as the lane's row write and as a heartbeat. No stage change: the
 * carried steps are of the stage the row is in (a lane opens on a write of its stage: the claim into the
 * first stage, or a later stage's first, synchronous, progress write).
 */
export const RECORD_CHECKPOINT = `/* recordCheckpoint */
UPDATE jobs SET
  checkpoint = $3::jsonb,
  steps_completed = coalesce($4, steps_completed),
  progress = progress || $5::jsonb,
  metadata = metadata || $6::jsonb,
  lease_expires_at = now() + $7 * interval '1 millisecond',
  updated_at = now()
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
RETURNING id, cancel_requested_at IS NOT NULL AS cancel_requested`;

export async function recordCheckpoint(
  sql: Sql, lease: Lease, key: string, step: number, leaseMs: number, carried: ProgressWrite | null = null,
): Promise<{ ref: CheckpointRef; cancelRequested: boolean }> {
  const ref: CheckpointRef = { key, step, fencingToken: lease.fencingToken };
  const row = await fencedWrite<{ cancel_requested: boolean }>(sql, "recordCheckpoint", RECORD_CHECKPOINT, lease, [
    JSON.stringify(ref), carried?.stepsCompleted ?? null, JSON.stringify(carried?.progress ?? {}), JSON.stringify(carried?.metadata ?? {}), leaseMs,
  ]);
  return { ref, cancelRequested: row.cancel_requested };
}
