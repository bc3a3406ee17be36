// Errors of the queue's fenced writes and of job execution.

/** A fenced write matched no row: this worker's lease is gone (expired, swept, or the job was re-claimed). */
export class LeaseLostError extends Error {
  constructor(readonly jobId: string, readonly fencingToken: number, readonly statement: string) {
    super(`lease lost: ${statement} refused for job ${jobId} with stale fencing token ${fencingToken}`);
    this.name = "LeaseLostError";
  }
}

/**
 * A failure of a job's work, classified: a retryable one runs again after a backoff (until max attempts),
 * a permanent one (bad input, policy) fails the job at once. `code` is what the API shows.
 */
export class JobError extends Error {
  constructor(readonly code: string, message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "JobError";
  }
}

/** Converts anything a stage threw into a classified JobError. Unknown errors are retryable: they may be transient. */
export function classifyError(error: unknown): JobError {
  if (error instanceof JobError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new JobError("INTERNAL", message.slice(0, 500), true, { cause: error });
}
