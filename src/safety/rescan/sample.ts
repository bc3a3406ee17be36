// Which delivered clips a day's re-scan looks at: a clip is sampled on a UTC day when
//   first 32 bits of md5("<job id>:<YYYY-MM-DD>") / 2^32  <  rate
// so the choice is deterministic (a test, or a second run that day, gets the same set), independent
// between clips (about `rate` of them, binomially), and different from one day to the next (a clip left
// out today may be picked tomorrow while it is still in the 24-hour window). The SQL in store.ts computes
// the same expression (SAMPLE_SQL); a test checks that the two agree.
import { createHash } from "node:crypto";

/** The clip's draw on `day` (YYYY-MM-DD), in [0, 1). */
export function sampleDraw(jobId: string, day: string): number {
  return createHash("md5").update(`${jobId}:${day}`).digest().readUInt32BE(0) / 2 ** 32;
}

export function isSampled(jobId: string, day: string, rate: number): boolean {
  return sampleDraw(jobId, day) < rate;
}

/** The same draw in SQL, for job id column `id` and the day as text parameter `$day`. */
export const sampleSql = (id: string, day: string) => `(('x' || substr(md5(${id}::text || ':' || ${day}), 1, 8))::bit(32)::bigint / 4294967296.0)`;

/** The UTC calendar day of `at`, as YYYY-MM-DD. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
