// From an account's usage windows and its tier's limits to the three policies a client sees (in
// `me.usage`, `me.limits` and the IETF RateLimit headers) and to a refusal: RATE_LIMITED for the
// per-minute and queued-jobs limits (they clear in seconds to minutes), QUOTA_EXCEEDED for the daily
// quota; each with retryAfterSeconds, when the first slot comes back.
import type { UserError } from "../jobs/validate.js";
import type { AccountUsageWindow } from "./sql/usage.js";
import type { TierUsageLimits } from "./store.js";

export type PolicyName = "minute" | "day" | "queued";

export interface LimitPolicy {
  name: PolicyName;
  /** the limit */
  quota: number;
  /** the sliding window in seconds; null for the queued-jobs limit (a level, not a window) */
  windowSeconds: number | null;
  used: number;
  remaining: number;
  /** seconds until the oldest counted use leaves the window (one unit comes back); null: nothing counted */
  resetSeconds: number | null;
}

/**
 * The policies as they stand, counting what this submission adds when it was accepted (`added`:
 * every accepted submission counts a minute use; one that was queued also a generation and a queued job).
 */
export function limitPolicies(limits: TierUsageLimits, usage: AccountUsageWindow, added: { submission: boolean; generation: boolean } = { submission: false, generation: false }): LimitPolicy[] {
  const policy = (name: PolicyName, quota: number, windowSeconds: number | null, used: number, resetSeconds: number | null): LimitPolicy =>
    ({ name, quota, windowSeconds, used, remaining: Math.max(0, quota - used), resetSeconds: used > 0 ? (resetSeconds ?? windowSeconds) : null });
  const minuteUsed = usage.minuteUsed + (added.submission ? 1 : 0);
  const dayUsed = usage.dayUsed + (added.generation ? 1 : 0);
  return [
    policy("minute", limits.submissionsPerMinute, 60, minuteUsed, usage.minuteResetSeconds),
    policy("day", limits.generationsPerDay, 86_400, dayUsed, usage.dayResetSeconds),
    policy("queued", limits.queuedJobs, null, usage.queued + (added.generation ? 1 : 0), null),
  ];
}

const seconds = (s: number | null, fallback: number) => Math.max(1, Math.ceil(s ?? fallback));

/** Every submission's check (blocked prompts and cache hits too): the per-minute rate of accepted ones. */
export function submissionRefusal(limits: TierUsageLimits, usage: AccountUsageWindow): UserError | null {
  if (usage.minuteUsed < limits.submissionsPerMinute) return null;
  const retryAfterSeconds = seconds(usage.minuteResetSeconds, 60);
  return {
    code: "RATE_LIMITED", retryAfterSeconds,
    message: `Your plan allows ${limits.submissionsPerMinute} submissions a minute. Please retry in ${retryAfterSeconds} seconds.`,
  };
}

/**
 * A job about to be queued: the daily quota, then the queued-jobs limit. `queueRetrySeconds`: a hint for
 * the latter (the recent mean run time: about when one of the account's jobs leaves the queue).
 */
export function generationRefusal(limits: TierUsageLimits, usage: AccountUsageWindow, queueRetrySeconds: () => Promise<number>): Promise<UserError | null> | UserError | null {
  if (usage.dayUsed >= limits.generationsPerDay) {
    const retryAfterSeconds = seconds(usage.dayResetSeconds, 86_400);
    return {
      code: "QUOTA_EXCEEDED", retryAfterSeconds,
      message: `Your plan allows ${limits.generationsPerDay} generations a day. Please retry in ${retryAfterSeconds} seconds.`,
    };
  }
  if (usage.queued < limits.queuedJobs) return null;
  return queueRetrySeconds().then((hint) => {
    const retryAfterSeconds = seconds(hint, 10);
    return {
      code: "RATE_LIMITED", retryAfterSeconds,
      message: `Your plan allows ${limits.queuedJobs} queued jobs at once. Please retry in ${retryAfterSeconds} seconds, or cancel one.`,
    };
  });
}
