// Input checks for generateVideo. Every problem is reported (not only the first), each with the path
// of the field it concerns, as `userErrors`.
import type { Resolution, TierLimits } from "../config/config.js";
import { allowsResolution } from "./policy.js";

export interface UserError {
  code: string;
  message: string;
  field?: string[];
  /** QUEUE_FULL, RATE_LIMITED, QUOTA_EXCEEDED: seconds after which a retry is likely to be admitted */
  retryAfterSeconds?: number;
}

export interface GenerateInput {
  prompt: string;
  durationSeconds: number;
  resolution: Resolution;
  seed?: number | null;
  idempotencyKey?: string | null;
  /** guidance pushes away from this instead of the empty prompt (when the model supports it) */
  negativePrompt?: string | null;
  /** a job not started within this many seconds of submission becomes EXPIRED */
  deadlineSeconds?: number | null;
}

export const MAX_PROMPT_LENGTH = 2000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** A day: past that a deadline protects nothing the queue's own admission control does not. */
export const MAX_DEADLINE_SECONDS = 86_400;

export function validateGenerateInput(input: GenerateInput, limits: TierLimits): UserError[] {
  const errors: UserError[] = [];
  const prompt = input.prompt.trim();
  if (prompt.length === 0) errors.push({ code: "INVALID_INPUT", message: "The prompt is empty.", field: ["input", "prompt"] });
  // Length in code points, so an emoji counts once.
  if ([...prompt].length > MAX_PROMPT_LENGTH) {
    errors.push({ code: "INVALID_INPUT", message: `The prompt is longer than ${MAX_PROMPT_LENGTH} characters.`, field: ["input", "prompt"] });
  }
  // Empty or blank: no negative prompt (a form's empty field), not an error.
  if (input.negativePrompt != null && [...input.negativePrompt.trim()].length > MAX_PROMPT_LENGTH) {
    errors.push({ code: "INVALID_INPUT", message: `The negative prompt is longer than ${MAX_PROMPT_LENGTH} characters.`, field: ["input", "negativePrompt"] });
  }
  const deadline = input.deadlineSeconds;
  if (deadline != null && !(Number.isInteger(deadline) && deadline >= 1 && deadline <= MAX_DEADLINE_SECONDS)) {
    errors.push({ code: "INVALID_INPUT", message: `The deadline must be 1 to ${MAX_DEADLINE_SECONDS} seconds.`, field: ["input", "deadlineSeconds"] });
  }
  const d = input.durationSeconds;
  if (!Number.isInteger(d) || d < limits.minDurationSeconds || d > limits.maxDurationSeconds) {
    errors.push({ code: "INVALID_INPUT", message: `The duration must be ${limits.minDurationSeconds} to ${limits.maxDurationSeconds} seconds.`, field: ["input", "durationSeconds"] });
  }
  if (input.seed != null && input.seed < 0) {
    errors.push({ code: "INVALID_INPUT", message: "The seed must be a non-negative integer.", field: ["input", "seed"] });
  }
  const key = input.idempotencyKey;
  if (key != null && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    errors.push({ code: "INVALID_INPUT", message: `The idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, field: ["input", "idempotencyKey"] });
  }
  if (!allowsResolution(limits, input.resolution)) {
    errors.push({ code: "TIER_LIMIT", message: `Your plan allows resolutions up to ${limits.maxResolution}.`, field: ["input", "resolution"] });
  }
  return errors;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Job ids are UUIDs; anything else names no job (and must not reach the database as a cast error). */
export function isJobId(id: string): boolean {
  return isUuid(id);
}

/** Row ids (jobs, API keys) are UUIDs: anything else names no row. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** The negative prompt as used: trimmed; null when absent or blank. */
export function negativePromptOf(input: Pick<GenerateInput, "negativePrompt">): string | null {
  const text = input.negativePrompt?.trim();
  return text ? text : null;
}
