// What `me.usage(window)` and `me.limits.rate` answer: the caller's jobs over a window by status, the
// GPU time they used and its cost at the configured price, and each rate limit with what is left now.
import type { Account } from "../accounts/accounts.js";
import type { Sql } from "../db/pool.js";
import { costDollars } from "../jobs/gpu-time.js";
import { accountUsage } from "../staff/sql/accounts.js";
import { limitPolicies, type LimitPolicy } from "./policy.js";
import { accountUsageWindow, sqlRows } from "./sql/usage.js";
import type { TierUsageLimits, UsageLimitsConfig } from "./store.js";

export const USAGE_WINDOWS = { HOUR: 3_600, DAY: 86_400, WEEK: 7 * 86_400, MONTH: 30 * 86_400 } as const;
export type UsageWindowName = keyof typeof USAGE_WINDOWS;

export interface RateLimitsView extends TierUsageLimits { policies: LimitPolicy[] }

export interface UsageReport {
  window: UsageWindowName;
  from: Date;
  to: Date;
  jobs: number;
  byStatus: { status: string; count: number }[];
  gpuSeconds: number;
  costDollars: number;
  gpuHourlyCost: number;
  limits: RateLimitsView;
}

export class UsageService {
  constructor(private readonly sql: Sql, private readonly limits: { readonly current: UsageLimitsConfig }, private readonly gpuHourlyCost: number) {}

  /** The account's tier's limits and, for each, what is used and left now (no lock: a reading). */
  async rateLimits(account: Pick<Account, "id" | "tier">): Promise<RateLimitsView> {
    const tier = this.limits.current.tiers[account.tier];
    return { ...tier, policies: limitPolicies(tier, await accountUsageWindow(sqlRows(this.sql), account.id)) };
  }

  async report(account: Pick<Account, "id" | "tier">, window: UsageWindowName): Promise<UsageReport> {
    const to = new Date();
    const from = new Date(to.getTime() - USAGE_WINDOWS[window] * 1000);
    const [rows, limits] = await Promise.all([accountUsage(this.sql, account.id, from, to), this.rateLimits(account)]);
    const gpuSeconds = rows.reduce((sum, r) => sum + r.gpuSeconds, 0);
    return {
      window, from, to, jobs: rows.reduce((sum, r) => sum + r.jobs, 0),
      byStatus: rows.map((r) => ({ status: r.status, count: r.jobs })),
      gpuSeconds, costDollars: costDollars(gpuSeconds, this.gpuHourlyCost), gpuHourlyCost: this.gpuHourlyCost, limits,
    };
  }
}
