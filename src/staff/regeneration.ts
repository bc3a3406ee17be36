// The regeneration rate: the design's online bridge between an offline quality change and what users do.
// An account "regenerates" when it submits a near-identical prompt more than twice within a short window
// (KINEMA_REGENERATION_WINDOW_MINUTES, default 10): it did not get what it asked for and tried again.
// Reported per UTC day and tier to staff (Query.regenerationRate) and as a gauge over the last 24 hours
// (kinema_regeneration_rate, src/ops/regeneration-gauge.ts). "Near-identical" is defined in
// ./sql/regenerationRate.ts (folded prompt equality; why not trigrams is written there).
import type { Sql } from "../db/pool.js";
import type { Tier } from "../config/config.js";
import { regenerationRate, type RegenerationRow } from "./sql/regenerationRate.js";
import { MAX_USAGE_WINDOW_SECONDS, StaffInputError } from "./search.js";

export const REGENERATION_TIERS: readonly Tier[] = ["FREE", "PLUS"];

export interface RegenerationDay {
  day: string;
  tier: Tier;
  accounts: number;
  regeneratingAccounts: number;
  /** regenerating / accounts; null on a day with no submissions under the tier */
  rate: number | null;
}

const DAY_MS = 86_400_000;

export class RegenerationReports {
  constructor(private readonly sql: Sql, readonly windowMinutes: number) {}

  /** Every UTC day that [from, to) touches x every tier, days with no submissions included (at 0). */
  async byDay(from: Date, to: Date): Promise<RegenerationDay[]> {
    const seconds = (to.getTime() - from.getTime()) / 1000;
    if (!(seconds > 0) || seconds > MAX_USAGE_WINDOW_SECONDS) {
      throw new StaffInputError("to", `The window must be positive and at most ${MAX_USAGE_WINDOW_SECONDS / 86_400} days.`);
    }
    const rows = await regenerationRate(this.sql, from, to, this.windowMinutes);
    const found = new Map(rows.map((r) => [`${r.day}|${r.tier}`, r]));
    const days: RegenerationDay[] = [];
    for (let t = Math.floor(from.getTime() / DAY_MS) * DAY_MS; t < to.getTime(); t += DAY_MS) {
      const day = new Date(t).toISOString().slice(0, 10);
      for (const tier of REGENERATION_TIERS) days.push(toDay(found.get(`${day}|${tier}`) ?? { day, tier, accounts: 0, regenerating: 0 }));
    }
    return days;
  }

  /** The last 24 hours, per tier (the gauge's figure): one row per tier. */
  async lastDay(now = new Date()): Promise<Record<Tier, { accounts: number; regenerating: number }>> {
    const rows = await regenerationRate(this.sql, new Date(now.getTime() - DAY_MS), now, this.windowMinutes, false);
    const totals = { FREE: { accounts: 0, regenerating: 0 }, PLUS: { accounts: 0, regenerating: 0 } } as Record<Tier, { accounts: number; regenerating: number }>;
    for (const r of rows) totals[r.tier] = { accounts: r.accounts, regenerating: r.regenerating };
    return totals;
  }
}

function toDay(r: RegenerationRow): RegenerationDay {
  return { day: r.day, tier: r.tier, accounts: r.accounts, regeneratingAccounts: r.regenerating, rate: r.accounts ? r.regenerating / r.accounts : null };
}
