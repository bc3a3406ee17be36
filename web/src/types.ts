// The shapes the studio reads from the API (schema/*.graphql), limited to the fields it selects.
export type Tier = "FREE" | "PLUS";
export type Resolution = "R480P" | "R720P" | "R1080P";
export type JobStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "BLOCKED" | "CANCELLED" | "TAKEN_DOWN" | "EXPIRED";
export type JobStage = "PREFILTER" | "QUEUED" | "DENOISING" | "DECODING" | "POSTFILTER" | "SIGNING" | "UPLOADING" | "DONE";

export interface TierLimits {
  maxResolution: Resolution;
  resolutions: Resolution[];
  minDurationSeconds: number;
  maxDurationSeconds: number;
  stepBudget: number;
}

export type Role = "USER" | "SUPPORT" | "ADMIN";

export interface Me {
  id: string;
  name: string;
  tier: Tier;
  /** SUPPORT and ADMIN keys see the Support area; the API refuses its fields to USER keys anyway */
  role: Role;
  limits: TierLimits;
}

export function isStaff(me: Pick<Me, "role">): boolean {
  return me.role === "SUPPORT" || me.role === "ADMIN";
}

/** The model in use, as its card describes it (Query.model). */
export interface ModelCard {
  name: string;
  version: string;
  examplePrompts: string[];
}

export interface UserError {
  code: string;
  message: string;
  field: string[] | null;
}

export interface Provenance {
  state: string;
  issuer: string | null;
  signedAt: string | null;
  claimGenerator: string | null;
  actions: string[];
}

export interface Video {
  url: string;
  expiresAt: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  bytes: number;
  provenance: Provenance | null;
  /** a signed JPEG frame of the clip; null for clips delivered before posters existed */
  posterUrl: string | null;
}

export interface JobSummary {
  id: string;
  status: JobStatus;
  stage: JobStage;
  prompt: string;
  resolution: Resolution;
  durationSeconds: number;
  createdAt: string;
  /** set once the owner deleted the job: a tombstone (prompt redacted, no video) */
  deletedAt: string | null;
  /** a delivered job's poster, for the history list's thumbnail */
  video: { posterUrl: string | null } | null;
}

export interface Job extends JobSummary {
  width: number;
  height: number;
  fps: number;
  seed: number;
  stepBudget: number;
  stepsCompleted: number;
  queuePosition: number | null;
  etaSeconds: number | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  video: Video | null;
}

/** One moment of a job's life as its owner sees it (Job.timeline). */
export interface TimelineEvent {
  at: string;
  kind: string;
  /** 1 is the first claim by a worker; null before it */
  attempt: number | null;
  stage: JobStage | null;
  message: string;
  durationSeconds: number | null;
  step: number | null;
}

/** One claim of the job by a worker, as its owner sees it (Job.attemptHistory): no worker named. */
export interface JobAttempt {
  number: number;
  startedAt: string;
  endedAt: string | null;
  outcome: string;
  errorCode: string | null;
  stepsCompleted: number;
}

export interface JobTimeline {
  id: string;
  status: JobStatus;
  timeInSystemSeconds: number | null;
  timeline: TimelineEvent[];
  attemptHistory: JobAttempt[];
}

export interface Progress {
  status: JobStatus;
  stage: JobStage;
  queuePosition: number | null;
  step: number;
  totalSteps: number;
  etaSeconds: number | null;
  previewUrl: string | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export const ACTIVE_STATUSES: readonly JobStatus[] = ["QUEUED", "RUNNING"];
export const ALL_STATUSES: readonly JobStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "BLOCKED", "CANCELLED", "TAKEN_DOWN", "EXPIRED"];

export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}
