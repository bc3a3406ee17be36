// ETAs. Queued: the rounds of work ahead (jobs ahead / live workers, rounded up, plus this one) times
// the recent mean run time. Running: the runner's own estimate from its step rate, less the time since
// it was written. Unknown (no history yet) is null, not a guess.
import { isTerminal } from "../jobs/states.js";
import type { JobRecord } from "../jobs/service.js";
import type { QueueStats } from "./loaders.js";

export function estimateEta(job: JobRecord, position: number | null, stats: QueueStats, now = Date.now()): number | null {
  if (isTerminal(job.status)) return null;
  if (job.status === "QUEUED") {
    if (stats.meanRunSeconds === null || position === null) return null;
    const rounds = Math.floor(position / Math.max(1, stats.liveWorkers)) + 1;
    return Math.ceil(rounds * stats.meanRunSeconds);
  }
  const progress = job.progress as { etaSeconds?: number } | null;
  if (typeof progress?.etaSeconds === "number") {
    return Math.max(0, Math.ceil(progress.etaSeconds - (now - job.updatedAt.getTime()) / 1000));
  }
  if (stats.meanRunSeconds === null || !job.startedAt) return null;
  return Math.max(0, Math.ceil(stats.meanRunSeconds - (now - job.startedAt.getTime()) / 1000));
}
