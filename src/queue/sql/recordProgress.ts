import type { Sql } from "../../db/pool.js";
import type { JobStage } from "../../jobs/states.js";
import type { Lease } from "../types.js";
import { announceParams, announcing, type WrittenRow } from "./announce.js";
import { fencedWrite } from "./fenced.js";

export interface ProgressWrite {
  stage: JobStage;
  stepsCompleted?: number;
  /** merged into the row's `progress` (ETA, preview URL): what live clients show */
  progress?: Record<string, unknown>;
  /** merged into the row's `metadata`: what the job keeps (timings, step counts) */
  metadata?: Record<string, unknown>;
}

/*
 * recordProgress — the stage, denoising steps done, live progress and metadata, in one fenced write that
 * also extends the lease (a job that makes progress is alive) and announces itself. Locks one row by
 * primary key.
 */
const RECORD_PROGRESS = announcing(`/* recordProgress */
UPDATE jobs SET
  stage = $3::"JobStage",
  steps_completed = coalesce($4, steps_completed),
  progress = progress || $5::jsonb,
  metadata = metadata || $6::jsonb,
  lease_expires_at = greatest(lease_expires_at, now() + $7 * interval '1 millisecond'),
  updated_at = now()
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING id, status, stage, cancel_requested_at IS NOT NULL AS cancel_requested`, 8);

export async function recordProgress(
  sql: Sql, lease: Lease, write: ProgressWrite, leaseMs: number, channel: string | null, event: Record<string, unknown>,
): Promise<WrittenRow & { cancel_requested: boolean }> {
  return fencedWrite<WrittenRow & { cancel_requested: boolean }>(sql, "recordProgress", RECORD_PROGRESS, lease, [
    write.stage, write.stepsCompleted ?? null, JSON.stringify(write.progress ?? {}), JSON.stringify(write.metadata ?? {}), leaseMs,
    ...announceParams(channel, event),
  ]);
}
