// A job's GPU time and cost. The runner records each stage's wall time on the worker (the GPU's holder)
// in metadata.stageMs when the job completes (workers/runner.ts), so GPU-seconds = their sum. A cache hit
// carries its source's stage times but did no GPU work: 0. Failed and cancelled attempts record no stage
// times yet, so for them this is a floor (0). Cost = GPU-seconds x the configured price per GPU-hour
// (KINEMA_GPU_HOURLY_COST; the same price per GPU-second as src/ops/cost.ts's cost per clip).
import type { JobRecord } from "./service.js";
import { isTerminal, type JobStatus } from "./states.js";

/**
 * The same sum in SQL, over a row aliased `j`, in milliseconds (null when nothing is recorded): for the
 * aggregates (me.usage, the staff's accountUsage).
 */
export const GPU_MS_SQL = `CASE WHEN jsonb_typeof(j.metadata->'stageMs') = 'object' AND (j.metadata->'cache'->>'hit') IS DISTINCT FROM 'true'
  THEN (SELECT sum(e.value::numeric) FROM jsonb_each(j.metadata->'stageMs') e WHERE jsonb_typeof(e.value) = 'number') END`;

/** GPU-seconds of a finished job (0 when it never ran); null while it is not finished. */
export function gpuSecondsOf(job: Pick<JobRecord, "status" | "metadata">): number | null {
  if (!isTerminal(job.status as JobStatus)) return null;
  const meta = job.metadata as { stageMs?: Record<string, unknown>; cache?: { hit?: boolean } } | null;
  if (meta?.cache?.hit === true || !meta?.stageMs || typeof meta.stageMs !== "object") return 0;
  const ms = Object.values(meta.stageMs).reduce<number>((sum, v) => sum + (typeof v === "number" ? v : 0), 0);
  return ms / 1000;
}

/** Dollars for `gpuSeconds` at `gpuHourlyCost` dollars per GPU-hour, to a hundredth of a cent. */
export function costDollars(gpuSeconds: number, gpuHourlyCost: number): number {
  return Math.round((gpuSeconds * gpuHourlyCost / 3600) * 10_000) / 10_000;
}
