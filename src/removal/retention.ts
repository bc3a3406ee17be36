// The tiers' retention periods, changeable without a restart: the configured defaults
// (KINEMA_RETENTION_FREE_DAYS / _PLUS_DAYS) until an admin sets them (`updateRetention`, audited), then
// the `settings` row `retention` ({"FREE": seconds, "PLUS": seconds}). Every process reads the row at most
// once per READ_EVERY_MS, so a change is in force everywhere within that (the sweeper reads it every round).
import type pg from "pg";
import type { Account } from "../accounts/accounts.js";
import { recordAudit } from "../audit/audit-log.js";
import { inTransaction } from "../audit/transaction.js";
import type { Tier } from "../config/config.js";
import type { UserError } from "../jobs/validate.js";
import { checkReason } from "../staff/actions.js";

export type RetentionSeconds = Record<Tier, number>;

/** The same bound as the scheduler's settings: a change reaches every process within 4 s. */
const READ_EVERY_MS = 2_000;
const KEY = "retention";
/** 10 years: longer is "forever", which 0 says. */
export const MAX_RETENTION_DAYS = 3650;

export class RetentionSettings {
  private cached: { value: RetentionSeconds; at: number } | null = null;

  constructor(private readonly pool: pg.Pool, private readonly defaults: RetentionSeconds) {}

  /** The periods in force (seconds per tier; 0 keeps forever). */
  async current(): Promise<RetentionSeconds> {
    if (this.cached && Date.now() - this.cached.at < READ_EVERY_MS) return this.cached.value;
    const { rows } = await this.pool.query<{ value: string }>(`/* readRetention */ SELECT value FROM settings WHERE key = $1`, [KEY]);
    const value = rows[0] ? { ...this.defaults, ...(JSON.parse(rows[0].value) as Partial<RetentionSeconds>) } : this.defaults;
    this.cached = { value, at: Date.now() };
    return value;
  }

  /** An admin sets the periods in days (0: forever); one audit row. */
  async update(admin: Pick<Account, "id" | "role">, days: Partial<Record<Tier, number>>, reason: string): Promise<{ retention: RetentionSeconds | null; userErrors: UserError[] }> {
    const why = checkReason(reason);
    if (typeof why !== "string") return { retention: null, userErrors: [why] };
    const userErrors: UserError[] = [];
    for (const [tier, value] of Object.entries(days)) {
      if (value == null) continue;
      if (!Number.isFinite(value) || value < 0 || value > MAX_RETENTION_DAYS) {
        userErrors.push({ code: "INVALID_RETENTION", message: `Retention is 0 (forever) to ${MAX_RETENTION_DAYS} days, not ${value}.`, field: ["input", `${tier.toLowerCase()}Days`] });
      }
    }
    if (userErrors.length > 0) return { retention: null, userErrors };
    const retention = await inTransaction(this.pool, async (tx) => {
      // The row exists (the defaults, first writer wins) and is locked: two updates at once apply in turn.
      await tx.query(`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [KEY, JSON.stringify(this.defaults)]);
      const { rows } = await tx.query<{ value: string }>(`/* lockRetention */ SELECT value FROM settings WHERE key = $1 FOR UPDATE`, [KEY]);
      const before: RetentionSeconds = { ...this.defaults, ...JSON.parse(rows[0]!.value) };
      const after: RetentionSeconds = { ...before };
      for (const [tier, value] of Object.entries(days) as [Tier, number | null | undefined][]) {
        if (value != null) after[tier] = Math.round(value * 86_400);
      }
      await tx.query(
        `/* updateRetention */ INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [KEY, JSON.stringify(after)]);
      await recordAudit(tx, { actor: admin, action: "retention.update", targetType: "RetentionConfig", targetId: null, reason: why, before, after });
      return after;
    });
    this.cached = { value: retention, at: Date.now() };
    return { retention, userErrors: [] };
  }
}
