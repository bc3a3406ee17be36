// DataLoaders: per-job lookups of a page are batched into one query each, so a page of 50 jobs costs a
// constant number of SQL statements (test/history.test.ts counts them).
import DataLoader from "dataloader";
import { queuePositions, queueStats } from "../queue/sql/queuePositions.js";
import type { ApiServices } from "./context.js";

export interface QueueStats { meanRunSeconds: number | null; liveWorkers: number }

export interface Loaders {
  /** jobs ahead of a queued job */
  queuePosition: DataLoader<string, number | null>;
  /** the inputs of an ETA, read once per request */
  queueStats(): Promise<QueueStats>;
  /** Drops cached values: a subscription calls it before each event it resolves. */
  clear(): void;
}

export function createLoaders(services: Pick<ApiServices, "sql">): Loaders {
  let stats: Promise<QueueStats> | null = null;
  const queuePosition = new DataLoader<string, number | null>(async (ids) => {
    const positions = await queuePositions(services.sql, ids);
    return ids.map((id) => positions.get(id) ?? null);
  });
  return {
    queuePosition,
    queueStats: () => (stats ??= queueStats(services.sql)),
    clear() {
      queuePosition.clearAll();
      stats = null;
    },
  };
}
