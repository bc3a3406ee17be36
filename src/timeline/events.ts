// The job timeline's rows (job_events, 0008): appended by the row trigger on `jobs` in the very statement
// that makes each change (prisma/migrations/0008_job_timeline), read here a page of jobs at a time.
//
// Write cost per claim: the claim statement appends one row (since 0026; it stands for STAGE_LEFT QUEUED,
// CLAIMED, STAGE_ENTERED and RESUMED, expanded on read: compact.ts), plus one index probe of
// job_events_job_id_id_idx for the queue wait. The figures below are from the four-row form.
// Measured with EXPLAIN ANALYZE of the real claim statement over 300 claims (one connection, the shared
// 2-core machine at load average ~20): median server time 0.56 -> 1.06 ms, 0.36 ms of it in the trigger,
// the rest mostly the foreign key's checks of the new rows; the claim's round trip there is 11-25 ms.
// The per-step progress write never runs the trigger (its WHEN clause); a checkpoint adds one row.
// The claim and the completion have triggers of their own that write the same rows from one plain INSERT
// (job_timeline_claimed, 0021; job_timeline_completed, 0023): test/timeline-paths.test.ts compares them
// with 0008's trigger. Since 0028 a claim call (claim_jobs) writes its claims' rows itself, one INSERT per
// call, while the claim trigger stands aside (test/claim-set-based.test.ts checks the rows).
import type { Sql } from "../db/pool.js";
import type { JobStage } from "../jobs/states.js";
import { expandStoredEvents } from "./compact.js";

export type JobEventKind =
  | "SUBMITTED" | "PREFILTER_DECISION" | "QUEUED" | "CLAIMED" | "STAGE_ENTERED" | "STAGE_LEFT" | "CHECKPOINT_WRITTEN"
  | "LEASE_LOST" | "RESUMED" | "RETRY_SCHEDULED" | "NAN_DETECTED" | "POSTFILTER_DECISION" | "SIGNED" | "UPLOADED"
  | "CACHE_HIT" | "CANCEL_REQUESTED" | "CANCELLED" | "FINISHED";

/** One stored event: what staff see. `detail` holds the internals (rule ids, scores, keys, who cancelled). */
export interface JobEventRow {
  id: string;
  jobId: string;
  at: Date;
  kind: JobEventKind;
  stage: JobStage | null;
  step: number | null;
  durationSeconds: number | null;
  workerId: string | null;
  fencingToken: string | null;
  detail: Record<string, unknown>;
}

/*
 * jobEventsFor — every event of each job, in order, for a page of jobs in one statement (the API's
 * DataLoader calls it once per page). Index: job_events_job_id_id_idx (job_id, id).
 */
const EVENTS = `/* jobEvents */
SELECT id::text AS id, job_id AS "jobId", at, kind, stage, step, duration_seconds AS "durationSeconds",
  worker_id AS "workerId", fencing_token::text AS "fencingToken", detail
FROM job_events WHERE job_id = ANY($1::uuid[])
ORDER BY job_events.job_id, job_events.id`; // the table's bigint id, not the text alias ("10" < "9")

export async function jobEventsFor(sql: Sql, jobIds: readonly string[]): Promise<Map<string, JobEventRow[]>> {
  const byJob = new Map<string, JobEventRow[]>();
  if (jobIds.length === 0) return byJob;
  const { rows } = await sql.query<JobEventRow>(EVENTS, [jobIds]);
  // A claim is stored as one row (0026): read back as the events it stands for.
  for (const row of expandStoredEvents(rows)) {
    const list = byJob.get(row.jobId) ?? [];
    list.push(row);
    byJob.set(row.jobId, list);
  }
  return byJob;
}
