// DataLoaders: per-job lookups of a page are batched into one query each, so a page of 50 jobs costs a
// constant number of SQL statements (test/history.test.ts counts them).
import DataLoader from "dataloader";
import type { JobRecord } from "../jobs/service.js";
import { queuePositions, queueStats } from "../queue/sql/queuePositions.js";
import type { ApiServices } from "./context.js";

export interface QueueStats { meanRunSeconds: number | null; liveWorkers: number }

export interface Loaders {
  /** jobs by id (unscoped: callers check the account) */
  job: DataLoader<string, JobRecord | null>;
  /** jobs ahead of a queued job */
  queuePosition: DataLoader<string, number | null>;
  /** the inputs of an ETA, read once per request */
  queueStats(): Promise<QueueStats>;
  /** Drops cached values: a subscription calls it before each event it resolves. */
  clear(): void;
}

export function createLoaders(services: Pick<ApiServices, "jobs" | "sql">): Loaders {
  let stats: Promise<QueueStats> | null = null;
  const job = new DataLoader<string, JobRecord | null>(async (ids) => {
    const rows = await services.jobs.getMany(ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  const queuePosition = new DataLoader<string, number | null>(async (ids) => {
    const positions = await queuePositions(services.sql, ids);
    return ids.map((id) => positions.get(id) ?? null);
  });
  return {
    job,
    queuePosition,
    queueStats: () => (stats ??= queueStats(services.sql)),
    clear() {
      job.clearAll();
      queuePosition.clearAll();
      stats = null;
    },
  };
}
