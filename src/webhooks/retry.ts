// When a failed delivery is tried again. Attempt n (1-based) that failed waits min(max, base x 2^(n-1)),
// jittered by +-20% so a receiver that comes back is not hit by every sender at once. With the defaults
// (5 s base, 2 h cap, 24 h window) the waits are 5 s, 10 s, 20 s, 40 s, 80 s, 160 s, 5.3 min, 10.7 min,
// 21 min, 43 min, 85 min, then every 2 h: about 20 attempts in the day (docs/ARCHITECTURE.md, Webhooks).
export interface RetryPolicy { baseMs: number; maxMs: number; windowMs: number }

/** Milliseconds until the next attempt after `attempts` failed ones; `random` in [0, 1). */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random = Math.random()): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.max(1, Math.round(exponential * (0.8 + 0.4 * random)));
}

/** Whether another attempt still falls inside the retry window that began at `retryFrom`. */
export function withinWindow(policy: RetryPolicy, retryFrom: Date, nextAt: number): boolean {
  return nextAt - retryFrom.getTime() <= policy.windowMs;
}
