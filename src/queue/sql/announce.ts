import type { JobStage, JobStatus } from "../../jobs/states.js";

/**
 * Every queue write announces itself on the event bus. When the bus is PostgreSQL's (it has a
 * `sqlChannel`), the NOTIFY rides in the write's own statement: one round trip instead of two, and it
 * is sent exactly when the write commits. Otherwise ($channel is null) the caller publishes in-process.
 * The payload is the written row's id, status and stage, merged with what the caller adds ($extra).
 * A statement with its own CTEs (the claim's) passes them as `ctes`: they come first in the one WITH.
 */
export function announcing(update: string, channelParam: number, ctes?: string): string {
  const channel = `$${channelParam}::text`;
  const extra = `$${channelParam + 1}::jsonb`;
  // `ctes`: earlier CTEs of the same statement (a data-modifying CTE must be at the top level).
  return `WITH ${ctes ? `${ctes},\n` : ""}written AS (${update})
SELECT written.*, CASE WHEN ${channel} IS NULL THEN NULL ELSE pg_notify(${channel},
  (jsonb_build_object('kind', 'job', 'jobId', written.id, 'status', written.status, 'stage', written.stage) || ${extra})::text) END AS announced
FROM written`;
}

/** What every announcing statement returns, besides its own columns. */
export type WrittenRow = { id: string; status: JobStatus; stage: JobStage };

/** The two trailing parameters of an announcing statement. */
export function announceParams(channel: string | null, extra: Record<string, unknown>): unknown[] {
  return [channel, JSON.stringify(extra)];
}
