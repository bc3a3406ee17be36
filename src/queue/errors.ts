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
export interface RetryPolicy {
  /** fewer attempts than the job's maximum for this kind of failure (e.g. 2: retried at most once) */
  maxAttempts?: number;
  /** run the retry on another worker when one is free (the failure may be this worker's hardware) */
  avoidWorker?: boolean;
}

export class JobError extends Error {
  readonly policy: RetryPolicy;

  constructor(readonly code: string, message: string, readonly retryable: boolean, options?: { cause?: unknown } & RetryPolicy) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "JobError";
    this.policy = { maxAttempts: options?.maxAttempts, avoidWorker: options?.avoidWorker };
  }
}

/**
 * A stage's verdict that the content must not be delivered (the safety post-filter). Not a failure:
 * the job ends BLOCKED, never retried, with the category and the audit record kept on the job.
 */
export class BlockedError extends Error {
  constructor(readonly category: string, readonly audit: Record<string, unknown>) {
    super(`content blocked: ${category}`);
    this.name = "BlockedError";
  }
}

/**
 * The job's checkpoint reference cannot be trusted (the object is missing, unreadable, or made by another
 * model or request). The runner restarts the job from step 0 under a new lease (restartJob) rather than
 * run on under the lease whose claim promised the reference's step.
 */
export class CheckpointRejectedError extends Error {
  constructor(readonly reason: "missing" | "unreadable" | "another request") {
    super(`checkpoint not resumable: ${reason}`);
    this.name = "CheckpointRejectedError";
  }
}

/** Converts anything a stage threw into a classified JobError. Unknown errors are retryable: they may be transient. */
export function classifyError(error: unknown): JobError {
  if (error instanceof JobError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new JobError("INTERNAL", message.slice(0, 500), true, { cause: error });
}
