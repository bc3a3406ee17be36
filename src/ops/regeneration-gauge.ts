// kinema_regeneration_rate{tier}: the share of accounts that submitted in the last 24 hours and
// regenerated (src/staff/regeneration.ts), computed on scrape by the API processes that hold a source,
// at most once a minute (one statement over a day of jobs, 1.4-2.1 s for 100,000 jobs on a loaded 2-core
// machine; a scrape every 15 s would otherwise run it 4x a minute per replica), in the background while
// the last figure is served. Every replica reports the same fleet-wide figure: aggregate with max().
// The tiers' series exist at 0 from the start, like the other labelled series (src/ops/metrics.ts).
import { Gauge } from "prom-client";
import type { Tier } from "../config/config.js";
import { KNOWN_TIERS, registry } from "./metrics.js";

export type RegenerationSource = () => Promise<Record<Tier, { accounts: number; regenerating: number }>>;

/** How long one computed figure is served before the next scrape recomputes it. */
export const REGENERATION_GAUGE_TTL_MS = 60_000;

type Totals = Awaited<ReturnType<RegenerationSource>>;
let source: RegenerationSource | null = null;
let last: Totals | null = null;
let computedAt = 0;
let inflight: Promise<void> | null = null;

/** Starts a recomputation unless one runs; a failed one leaves the last figures and is retried next scrape. */
function refresh(from: RegenerationSource): Promise<void> {
  inflight ??= from().then((totals) => {
    if (source === from) { last = totals; computedAt = Date.now(); }
  }, () => {}).finally(() => { inflight = null; });
  return inflight;
}

export const regenerationRate = new Gauge({
  name: "kinema_regeneration_rate",
  help: "Share (0-1) of accounts that submitted in the last 24 h and submitted a near-identical prompt more than twice within KINEMA_REGENERATION_WINDOW_MINUTES, by tier (fleet-wide; aggregate with max).",
  labelNames: ["tier"], registers: [registry],
  // A stale figure is served while the next one is computed in the background, so a scrape never waits
  // on the statement, except the first one after start (which has no figure yet).
  async collect() {
    if (!source) return;
    if (Date.now() - computedAt > REGENERATION_GAUGE_TTL_MS) {
      const pending = refresh(source);
      if (!last) await pending;
    }
    if (!last) return;
    for (const tier of KNOWN_TIERS) {
      const t = last[tier];
      this.set({ tier }, t && t.accounts ? t.regenerating / t.accounts : 0);
    }
  },
});
for (const tier of KNOWN_TIERS) regenerationRate.set({ tier }, 0);

/** Makes this process compute the gauge on scrape; returns the detach (for stop()). */
export function attachRegenerationSource(next: RegenerationSource): () => Promise<void> {
  source = next;
  last = null;
  computedAt = 0;
  return async () => {
    if (source !== next) return;
    source = null;
    last = null;
    computedAt = 0;
    for (const tier of KNOWN_TIERS) regenerationRate.set({ tier }, 0);
    await inflight;
  };
}
