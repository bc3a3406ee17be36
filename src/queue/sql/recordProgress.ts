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
 * also extends the lease (a job that makes progress is alive; heartbeats do the rest) and announces itself
 * when given a channel (the pipelined step rows of src/queue/step-pipeline.ts are not: their events went
 * ahead). Locks one row by primary key.
 *
 * Committed without waiting for the WAL flush (synchronous_commit off for this transaction only, set by
 * the statement itself: one round trip still). What a crash of PostgreSQL could lose is the last fraction
 * of a second of progress: a step count, an ETA, a lease extension. None of it is a fact anything relies
 * on: a run resumes from its checkpoint (recordCheckpoint commits synchronously), fencing tokens come from
 * the claim (synchronous), and heartbeats extend leases too (JobQueue.heartbeat skips a beat when a row
 * write extended the lease recently: a crash of PostgreSQL loses that extension only in the ~0.6 s before
 * the WAL writer flushes it, 3 x wal_writer_delay, and the lease then runs from the write before).
 * Measured with bench:fleet (1 s steps, 500 concurrent jobs, one PostgreSQL on 2 cores): progress write
 * p99 744 ms -> 25 ms, step-to-subscriber p99 744 -> 31 ms; waiting for the flush of ~500 commits a
 * second was most of a step write's time.
 */
export const RECORD_PROGRESS = announcing(`/* recordProgress */
UPDATE jobs SET
  stage = $3::"JobStage",
  steps_completed = coalesce($4, steps_completed),
  progress = progress || $5::jsonb,
  metadata = metadata || $6::jsonb,
  -- every write extends the lease (a job that makes progress is alive): no index holds lease_expires_at
  -- (0027), so the update stays HOT, and a lease a row write extended needs no heartbeat (JobQueue.heartbeat)
  lease_expires_at = now() + $7 * interval '1 millisecond',
  updated_at = now()
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
  -- transaction-local; evaluated on the one row the primary key finds (a stale lease finds none: its
  -- statement writes nothing, so nothing waits for a flush anyway)
  AND set_config('synchronous_commit', 'off', true) IS NOT NULL
RETURNING id, status, stage, cancel_requested_at IS NOT NULL AS cancel_requested`, 8);

export async function recordProgress(
  sql: Sql, lease: Lease, write: ProgressWrite, leaseMs: number, channel: string | null, event: Record<string, unknown>,
): Promise<WrittenRow & { cancel_requested: boolean }> {
  return fencedWrite<WrittenRow & { cancel_requested: boolean }>(sql, "recordProgress", RECORD_PROGRESS, lease, [
    write.stage, write.stepsCompleted ?? null, JSON.stringify(write.progress ?? {}), JSON.stringify(write.metadata ?? {}), leaseMs,
    ...announceParams(channel, event),
  ]);
}
