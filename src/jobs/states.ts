// The job's states and stages, and which of them are final.
export const JOB_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "BLOCKED", "CANCELLED", "TAKEN_DOWN", "EXPIRED"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_STAGES = ["PREFILTER", "QUEUED", "DENOISING", "DECODING", "POSTFILTER", "SIGNING", "UPLOADING", "DONE"] as const;
export type JobStage = (typeof JOB_STAGES)[number];

const TERMINAL: ReadonlySet<JobStatus> = new Set(["SUCCEEDED", "FAILED", "BLOCKED", "CANCELLED", "TAKEN_DOWN", "EXPIRED"]);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}
