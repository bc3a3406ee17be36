// kinema_regeneration_rate{tier}: the share of accounts that submitted in the last 24 hours and
// regenerated (src/staff/regeneration.ts), computed on scrape by the API processes that hold a source,
// at most once a minute (one statement over a day of jobs, 1.4-2.1 s for 100,000 jobs on a loaded 2-core
// machine; a scrape every 15 s would otherwise run it 4x a minute per replica). Every replica reports the same fleet-wide figure: aggregate with max(), not sum().
// The tiers' series exist at 0 from the start, like the other labelled series (src/ops/metrics.ts).
import { Gauge } from "prom-client";
import type { Tier } from "../config/config.js";
import { KNOWN_TIERS, registry } from "./metrics.js";

export type RegenerationSource = () => Promise<Record<Tier, { accounts: number; regenerating: number }>>;

/** How long one computed figure is served before the next scrape recomputes it. */
export const REGENERATION_GAUGE_TTL_MS = 60_000;

let source: RegenerationSource | null = null;
let cached: { at: number; value: Promise<Record<Tier, { accounts: number; regenerating: number }>> } | null = null;

export const regenerationRate = new Gauge({
  name: "kinema_regeneration_rate",
  help: "Share (0-1) of accounts that submitted in the last 24 h and submitted a near-identical prompt more than twice within KINEMA_REGENERATION_WINDOW_MINUTES, by tier (fleet-wide; aggregate with max).",
  labelNames: ["tier"], registers: [registry],
  async collect() {
    if (!source) return;
    if (!cached || Date.now() - cached.at > REGENERATION_GAUGE_TTL_MS) cached = { at: Date.now(), value: source() };
    const current = cached;
    try {
      const totals = await current.value;
      for (const tier of KNOWN_TIERS) {
        const t = totals[tier];
        this.set({ tier }, t && t.accounts ? t.regenerating / t.accounts : 0);
      }
    } catch {
      // A failed read keeps the last figures and is retried at the next scrape, not served for a minute.
      if (cached === current) cached = null;
    }
  },
});
for (const tier of KNOWN_TIERS) regenerationRate.set({ tier }, 0);

/** Makes this process compute the gauge on scrape; returns the detach (for stop()). */
export function attachRegenerationSource(next: RegenerationSource): () => Promise<void> {
  source = next;
  cached = null;
  return async () => {
    if (source === next) { source = null; cached = null; }
  };
}
