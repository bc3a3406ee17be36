// Wording and number formats shared by the pages.
import type { JobStage, JobStatus, Resolution } from "./types";

export const RESOLUTION_LABEL: Record<Resolution, string> = {
  R480P: "480p (854×480)",
  R720P: "720p (1280×720)",
  R1080P: "1080p (1920×1080)",
};

export const STATUS_LABEL: Record<JobStatus, string> = {
  QUEUED: "Queued",
  RUNNING: "Running",
  SUCCEEDED: "Done",
  FAILED: "Failed",
  BLOCKED: "Not accepted",
  CANCELLED: "Cancelled",
  TAKEN_DOWN: "Removed",
  EXPIRED: "Expired",
};

export const STAGE_LABEL: Record<JobStage, string> = {
  PREFILTER: "Checking the prompt",
  QUEUED: "Waiting in the queue",
  DENOISING: "Generating (denoising)",
  DECODING: "Decoding frames",
  POSTFILTER: "Checking the video",
  SIGNING: "Signing content credentials",
  UPLOADING: "Saving the video",
  DONE: "Finished",
};

/** What each kind of timeline event is called, in the owner's and the staff's timelines alike. */
export const EVENT_LABEL: Record<string, string> = {
  SUBMITTED: "Submitted", PREFILTER_DECISION: "Prompt check", QUEUED: "Queued", CLAIMED: "Claimed by a worker",
  STAGE_ENTERED: "Stage started", STAGE_LEFT: "Stage finished", CHECKPOINT_WRITTEN: "Checkpoint written",
  LEASE_LOST: "Lease lost", RESUMED: "Resumed", RETRY_SCHEDULED: "Retry scheduled", NAN_DETECTED: "NaN detected",
  POSTFILTER_DECISION: "Video check", SIGNED: "Signed", UPLOADED: "Uploaded", CACHE_HIT: "Cache hit",
  CANCEL_REQUESTED: "Cancel requested", CANCELLED: "Cancelled", FINISHED: "Finished",
};

/** Friendlier titles for the error codes the API documents; any other code shows its own message. */
export const ERROR_TITLE: Record<string, string> = {
  INVALID_INPUT: "Please check the form",
  TIER_LIMIT: "Not included in your plan",
  IDEMPOTENCY_KEY_REUSED: "This request was already sent with different settings",
  QUEUE_FULL: "The queue is full right now",
  RATE_LIMITED: "Too many videos at once",
  QUOTA_EXCEEDED: "Today's videos are used up",
  PROMPT_BLOCKED: "This prompt can't be used",
  JOB_FINISHED: "The job has already finished",
  NOT_FOUND: "Not found",
};

export function duration(seconds: number | null | undefined): string {
  if (seconds == null) return "—";
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return `${m} min ${s.toString().padStart(2, "0")} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A fresh idempotency key (getRandomValues also works outside secure contexts, unlike randomUUID). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `studio-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
