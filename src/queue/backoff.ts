// Exponential backoff with "equal jitter" (half fixed, half random): spreads the retries of jobs that
// failed together, yet never retries sooner than half the nominal delay.

export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
