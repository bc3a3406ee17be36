// Periodic repairs that keep derived state true, whatever crashed: the running-job counters the burst
// cap reads (reconcileRunningCounters), the removal sweeper (deleted jobs' outputs once they stopped,
// the tiers' retention: src/removal) and the object store's orphans (sweepOrphanObjects). Both are
// idempotent and safe to run in several processes at once; one elected process is enough (the cluster's
// leader, src/ops/leader.ts, once it exists; until then each process with workers runs this).
import type pg from "pg";
import type { Logger } from "../src/log.js";
import { reconcileRunningCounters } from "../src/queue/sql/reconcileCounters.js";
import { sweepOrphanObjects } from "../src/storage/orphans.js";
import type { ObjectStore } from "../src/storage/store.js";
import type { RemovalService } from "../src/removal/service.js";
import type { RetentionSettings } from "../src/removal/retention.js";

export interface HousekeepingDeps {
  pool: pg.Pool;
  store: ObjectStore;
  log: Logger;
  /** how often; 0: never (tests that call runHousekeeping themselves) */
  everyMs: number;
  /** a temporary file younger than this may belong to a write under way (default: an hour) */
  temporariesOlderThanMs?: number;
  /** the removal sweeper (src/removal): decided removals finished, clips past their tier's retention removed */
  removal?: { service: RemovalService; retention: Pick<RetentionSettings, "current"> };
}

/**
 * One round: counters first (they gate claims), then removals (before the orphan sweep, so what a removal
 * takes away is counted under its reason), then orphans. Each is logged and retried next round on failure.
 */
export async function runHousekeeping(deps: HousekeepingDeps): Promise<void> {
  try {
    const counters = await reconcileRunningCounters(deps.pool);
    if (counters.created > 0 || counters.fixed.length > 0) deps.log.warn(counters, "corrected running-job counters");
  } catch (error) {
    deps.log.warn({ err: error }, "counter reconciliation failed; trying again next round");
  }
  if (deps.removal) {
    try {
      const swept = await deps.removal.service.sweep(await deps.removal.retention.current());
      if (swept.finished > 0 || swept.expired > 0) deps.log.info(swept, "removed job outputs");
    } catch (error) {
      deps.log.warn({ err: error }, "removal sweep failed; trying again next round");
    }
  }
  try {
    const orphans = await sweepOrphanObjects(deps.pool, deps.store, { temporariesOlderThanMs: deps.temporariesOlderThanMs ?? 3_600_000 });
    if (orphans.removed.length > 0 || orphans.temporaries > 0) deps.log.info({ removed: orphans.removed.length, temporaries: orphans.temporaries }, "removed orphaned objects");
  } catch (error) {
    deps.log.warn({ err: error }, "orphan sweep failed; trying again next round");
  }
}

/** Runs housekeeping every `everyMs` (not at once: a fleet starting together should not all sweep). Returns stop(). */
export function startHousekeeping(deps: HousekeepingDeps): () => Promise<void> {
  if (deps.everyMs <= 0) return async () => {};
  let running: Promise<void> | null = null;
  const timer = setInterval(() => { running ??= runHousekeeping(deps).finally(() => (running = null)); }, deps.everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
