// The shapes the studio reads from the API (schema/*.graphql), limited to the fields it selects.
export type Tier = "FREE" | "PLUS";
export type Resolution = "R480P" | "R720P" | "R1080P";
export type JobStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "BLOCKED" | "CANCELLED" | "EXPIRED";
export type JobStage = "PREFILTER" | "QUEUED" | "DENOISING" | "DECODING" | "POSTFILTER" | "SIGNING" | "UPLOADING" | "DONE";

export interface TierLimits {
  maxResolution: Resolution;
  resolutions: Resolution[];
  minDurationSeconds: number;
  maxDurationSeconds: number;
  stepBudget: number;
}

export interface Me {
  id: string;
  name: string;
  tier: Tier;
  limits: TierLimits;
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
}

export interface JobSummary {
  id: string;
  status: JobStatus;
  stage: JobStage;
  prompt: string;
  resolution: Resolution;
  durationSeconds: number;
  createdAt: string;
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
export const ALL_STATUSES: readonly JobStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "BLOCKED", "CANCELLED", "EXPIRED"];

export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}
