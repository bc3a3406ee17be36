// Per-caller budgets of one API process: a token bucket per key (an account id), holding at most
// `burst` tokens and refilled at `perSecond`. A taken token costs a Map lookup and a little arithmetic,
// so a refusal is as cheap as the limits' other refusals (src/api/limits.ts). Used for introspection
// (a full schema download is ~7 ms of CPU and ~100 KB on the wire) and for operations started over
// WebSockets (each subscription start reads its job). The budgets are per process, not shared across
// replicas: they bound what one caller costs each process, which is what keeps it responsive.
import type { GraphQLError } from "graphql";
import { refusal } from "./errors.js";

export interface BucketRate {
  /** tokens a fresh (or long idle) caller has */
  burst: number;
  /** tokens added back per second, up to `burst` */
  perSecond: number;
}

/** Callers tracked at once; past it the least recently seen goes (it starts full again: a little more allowed, never less). */
const MAX_KEYS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly rate: BucketRate) {}

  /** Takes one token for `key`: 0 when it had one, else the seconds until it will (the caller is refused). */
  take(key: string, now = Date.now()): number {
    const { burst, perSecond } = this.rate;
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond) : burst;
    this.buckets.delete(key); // re-inserted last: the Map's order is least recently seen first
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return (1 - tokens) / perSecond;
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value!);
    return 0;
  }
}

/**
 * The refusal of a budget: code RATE_LIMITED, HTTP 429, with `retryAfterSeconds` (whole seconds, at
 * least 1) and which budget it was, so a client can wait and retry rather than change its request.
 */
export function rateLimited(budget: string, message: string, waitSeconds: number): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitSeconds));
  return refusal(`${message} Retry in ${retryAfterSeconds} s.`, {
    extensions: { code: "RATE_LIMITED", budget, retryAfterSeconds, http: { status: 429, headers: new Map([["retry-after", String(retryAfterSeconds)]]) } },
  });
}
