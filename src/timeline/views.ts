// The timeline as the API shows it: the owner's events (no worker ids, fencing tokens or internal
// details), the staff's (everything, detail as JSON), per-attempt records and the time in system.
// Attempts are numbered by claim (1 is the first claim), not by the row's `attempts` counter, which a
// hand-back gives back: a job released by a deploy and claimed again has had two attempts here.
import type { JobRecord } from "../jobs/service.js";
import type { JobStage } from "../jobs/states.js";
import type { JobEventKind, JobEventRow } from "./events.js";
import { eventMessage } from "./messages.js";

export interface TimelineEvent {
  at: Date; kind: JobEventKind; attempt: number | null; stage: JobStage | null; message: string; durationSeconds: number | null; step: number | null;
}
export interface StaffTimelineEvent { event: TimelineEvent; workerId: string | null; fencingToken: string | null; detail: string }

export interface Attempt { number: number; startedAt: Date; endedAt: Date | null; outcome: string; errorCode: string | null; stepsCompleted: number }
export interface StaffAttempt { attempt: Attempt; workerId: string | null; fencingToken: string | null }

/** Each event with the attempt it belongs to: the number of claims up to it (null before the first). */
function numbered(rows: readonly JobEventRow[]): { row: JobEventRow; attempt: number | null }[] {
  let claims = 0;
  return rows.map((row) => {
    if (row.kind === "CLAIMED") claims++;
    return { row, attempt: claims === 0 ? null : claims };
  });
}

function ownerEvent(row: JobEventRow, attempt: number | null): TimelineEvent {
  return {
    at: row.at, kind: row.kind, attempt, stage: row.stage, message: eventMessage(row, attempt),
    durationSeconds: row.durationSeconds, step: row.step,
  };
}

export function ownerTimeline(rows: readonly JobEventRow[]): TimelineEvent[] {
  return numbered(rows).map(({ row, attempt }) => ownerEvent(row, attempt));
}

export function staffTimeline(rows: readonly JobEventRow[]): StaffTimelineEvent[] {
  return numbered(rows).map(({ row, attempt }) => ({
    event: ownerEvent(row, attempt), workerId: row.workerId, fencingToken: row.fencingToken, detail: JSON.stringify(row.detail),
  }));
}

interface AttemptEnd { outcome?: string; errorCode?: string | null; stepsCompleted?: number }

/**
 * One record per claim: started at the CLAIMED event, ended by the first later event that carries
 * `attemptEnd` (the trigger puts it on the event that headlines how the lease ended: LEASE_LOST,
 * RETRY_SCHEDULED, QUEUED for a hand-back, FINISHED). An attempt with no end is RUNNING while the job
 * runs under its token, else UNKNOWN (a job older than the timeline).
 */
export function staffAttempts(job: Pick<JobRecord, "status" | "fencingToken" | "stepsCompleted">, rows: readonly JobEventRow[]): StaffAttempt[] {
  const attempts: StaffAttempt[] = [];
  let open: StaffAttempt | null = null;
  for (const row of rows) {
    if (row.kind === "CLAIMED") {
      open = {
        attempt: { number: attempts.length + 1, startedAt: row.at, endedAt: null, outcome: "UNKNOWN", errorCode: null, stepsCompleted: 0 },
        workerId: row.workerId, fencingToken: row.fencingToken,
      };
      attempts.push(open);
      continue;
    }
    const end = row.detail.attemptEnd as AttemptEnd | undefined;
    if (open && end) {
      Object.assign(open.attempt, { endedAt: row.at, outcome: end.outcome ?? "UNKNOWN", errorCode: end.errorCode ?? null, stepsCompleted: end.stepsCompleted ?? 0 });
      open = null;
    }
  }
  if (open && job.status === "RUNNING" && open.fencingToken === String(job.fencingToken)) {
    Object.assign(open.attempt, { outcome: "RUNNING", stepsCompleted: job.stepsCompleted });
  }
  return attempts;
}

export function ownerAttempts(job: Parameters<typeof staffAttempts>[0], rows: readonly JobEventRow[]): Attempt[] {
  return staffAttempts(job, rows).map((a) => a.attempt);
}

/**
 * Seconds from the first enqueue (the row's creation: the job is queued by the statement that makes it)
 * to delivery, or to now while unfinished; null for a prompt blocked before it was ever queued.
 */
export function timeInSystemSeconds(job: Pick<JobRecord, "status" | "stage" | "createdAt" | "finishedAt">, now = new Date()): number | null {
  if (job.status === "BLOCKED" && job.stage === "PREFILTER") return null;
  return Math.max(0, ((job.finishedAt ?? now).getTime() - job.createdAt.getTime()) / 1000);
}
