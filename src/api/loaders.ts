// DataLoaders: per-job lookups of a page are batched into one query each, so a page of 50 jobs costs a
// constant number of SQL statements (test/history.test.ts counts them).
import DataLoader from "dataloader";
import { queuePositions, queueStats } from "../queue/sql/queuePositions.js";
import type { ApiKeyRecord } from "../accounts/api-keys.js";
import { jobEventsFor, type JobEventRow } from "../timeline/events.js";
import { accountsByIds, keysByAccounts, type StaffAccountRecord } from "../staff/sql/accounts.js";
import type { ApiServices } from "./context.js";

export interface QueueStats { meanRunSeconds: number | null; liveWorkers: number }

export interface Loaders {
  /** jobs ahead of a queued job */
  queuePosition: DataLoader<string, number | null>;
  /** any account by id (staff views: a page of jobs loads its owners in one statement) */
  account: DataLoader<string, StaffAccountRecord | null>;
  /** every key of an account, newest first (staff views) */
  accountKeys: DataLoader<string, ApiKeyRecord[]>;
  /** a job's timeline events, in order (owner and staff views; one statement per page of jobs) */
  jobEvents: DataLoader<string, JobEventRow[]>;
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
  const account = new DataLoader<string, StaffAccountRecord | null>(async (ids) => {
    const found = await accountsByIds(services.sql, ids);
    return ids.map((id) => found.get(id) ?? null);
  });
  const accountKeys = new DataLoader<string, ApiKeyRecord[]>(async (ids) => {
    const found = await keysByAccounts(services.sql, ids);
    return ids.map((id) => found.get(id) ?? []);
  });
  const jobEvents = new DataLoader<string, JobEventRow[]>(async (ids) => {
    const found = await jobEventsFor(services.sql, ids);
    return ids.map((id) => found.get(id) ?? []);
  });
  return {
    queuePosition,
    account,
    accountKeys,
    jobEvents,
    queueStats: () => (stats ??= queueStats(services.sql)),
    clear() {
      queuePosition.clearAll();
      account.clearAll();
      accountKeys.clearAll();
      jobEvents.clearAll();
      stats = null;
    },
  };
}
