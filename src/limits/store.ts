// Every tier's rate limits and quotas (prisma/migrations/0013: one row of usage_limits with a version),
// hot-reloaded the way the scheduler's settings are (src/scheduler/store.ts): API processes keep a copy
// and poll the version every KINEMA_SCHEDULER_POLL_MS (one primary-key read), so a change made anywhere
// is in force everywhere within 5 s; the process that makes a change adopts it at once. A change is one
// statement that writes the fields, bumps the version and appends the audit row (action limits.update).
import { VersionedSettings, type VersionedSettingsSource } from "../db/versioned-settings.js";
import type { Sql } from "../db/pool.js";
import type { Logger } from "../log.js";
import type { AuditActor } from "../audit/audit-log.js";
import type { Tier } from "../config/config.js";

/** One tier's limits. */
export interface TierUsageLimits {
  /** submissions accepted in any 60 s (sliding window), cache hits included, blocked prompts not */
  submissionsPerMinute: number;
  /** generations in any 24 h (sliding window): jobs that were queued, EXPIRED ones not counted */
  generationsPerDay: number;
  /** jobs of the account QUEUED at once */
  queuedJobs: number;
}

export interface UsageLimitsConfig {
  version: number;
  tiers: Record<Tier, TierUsageLimits>;
  updatedBy: string | null;
  reason: string | null;
  updatedAt: Date;
}

export type UsageLimitsPatch = Partial<Record<`${"free" | "plus"}${"SubmissionsPerMinute" | "GenerationsPerDay" | "QueuedJobs"}`, number>>;

export const PATCH_FIELDS = ["freeSubmissionsPerMinute", "plusSubmissionsPerMinute", "freeGenerationsPerDay", "plusGenerationsPerDay",
  "freeQueuedJobs", "plusQueuedJobs"] as const satisfies readonly (keyof UsageLimitsPatch)[];

/** Every limit is an integer in this range (0 would refuse everything: suspend the account instead). */
export const LIMIT_RANGE = { min: 1, max: 1_000_000 } as const;

const COLUMNS = `version, free_submissions_per_minute AS "freeSubmissionsPerMinute", plus_submissions_per_minute AS "plusSubmissionsPerMinute",
  free_generations_per_day AS "freeGenerationsPerDay", plus_generations_per_day AS "plusGenerationsPerDay",
  free_queued_jobs AS "freeQueuedJobs", plus_queued_jobs AS "plusQueuedJobs", updated_by AS "updatedBy", reason, updated_at AS "updatedAt"`;

type Row = Required<UsageLimitsPatch> & Pick<UsageLimitsConfig, "version" | "updatedBy" | "reason" | "updatedAt">;

function fromRow(r: Row): UsageLimitsConfig {
  return {
    version: r.version, updatedBy: r.updatedBy, reason: r.reason, updatedAt: r.updatedAt,
    tiers: {
      FREE: { submissionsPerMinute: r.freeSubmissionsPerMinute, generationsPerDay: r.freeGenerationsPerDay, queuedJobs: r.freeQueuedJobs },
      PLUS: { submissionsPerMinute: r.plusSubmissionsPerMinute, generationsPerDay: r.plusGenerationsPerDay, queuedJobs: r.plusQueuedJobs },
    },
  };
}

/** loadUsageLimits — the whole row. */
export async function loadUsageLimits(sql: Sql): Promise<UsageLimitsConfig> {
  const { rows } = await sql.query<Row>(`/* loadUsageLimits */ SELECT ${COLUMNS} FROM usage_limits WHERE id = 1`);
  return fromRow(rows[0]!);
}

/**
 * updateUsageLimits — the given fields (null: unchanged), version + 1 and the audit row in one statement;
 * `old` locks the row first so the audit's `before` is the configuration this change replaced even when
 * two changes race (the same shape as updateSchedulerConfig).
 */
async function writeUsageLimits(sql: Sql, patch: UsageLimitsPatch, reason: string | null, actor: string, auditActor: AuditActor): Promise<UsageLimitsConfig> {
  const sets = PATCH_FIELDS.map((f, i) => `${snake(f)} = coalesce($${i + 1}::int, ${snake(f)})`).join(", ");
  const n = PATCH_FIELDS.length;
  const { rows } = await sql.query<Row>(
    `/* updateUsageLimits */
     WITH old AS (SELECT to_jsonb(c) AS before_row FROM (SELECT ${COLUMNS} FROM usage_limits WHERE id = 1 FOR UPDATE) c),
     written AS (
       UPDATE usage_limits SET version = version + 1, ${sets}, updated_by = $${n + 1}, reason = $${n + 2}, updated_at = now()
       FROM old WHERE id = 1 RETURNING ${COLUMNS}),
     audit AS (
       INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)
       SELECT $${n + 3}::uuid, $${n + 4}::"Role", 'limits.update', 'UsageLimits', '1', $${n + 2}, (SELECT before_row FROM old), to_jsonb(written)
       FROM written)
     SELECT * FROM written`,
    [...PATCH_FIELDS.map((f) => patch[f] ?? null), actor, reason, auditActor?.id ?? null, auditActor?.role ?? null]);
  return fromRow(rows[0]!);
}

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** What is wrong with a patch, as [field, message] pairs; empty when it can be applied. */
export function limitsPatchProblems(patch: UsageLimitsPatch): [string, string][] {
  return PATCH_FIELDS.flatMap((f): [string, string][] => {
    const v = patch[f];
    return v != null && !(Number.isInteger(v) && v >= LIMIT_RANGE.min && v <= LIMIT_RANGE.max)
      ? [[f, `must be an integer from ${LIMIT_RANGE.min} to ${LIMIT_RANGE.max}`]] : [];
  });
}

export class InvalidLimitsPatchError extends Error {}

const USAGE_LIMITS: VersionedSettingsSource<UsageLimitsConfig> = {
  what: "usage limits",
  load: loadUsageLimits,
  async version(sql) {
    const { rows } = await sql.query<{ version: number }>(`/* usageLimitsVersion */ SELECT version FROM usage_limits WHERE id = 1`);
    return rows[0]!.version;
  },
  describe: (c) => ({ usageLimitsVersion: c.version, tiers: c.tiers }),
};

export class UsageLimitsStore {
  private constructor(private readonly sql: Sql, private readonly log: Logger, private readonly settings: VersionedSettings<UsageLimitsConfig>) {}

  /** Loads the current limits; polls the version every `pollMs` when > 0. */
  static async start(sql: Sql, options: { pollMs: number }, log: Logger): Promise<UsageLimitsStore> {
    return new UsageLimitsStore(sql, log, await VersionedSettings.start(sql, USAGE_LIMITS, options.pollMs, log));
  }

  /** The limits in force in this process. */
  get current(): UsageLimitsConfig {
    return this.settings.current;
  }

  /** Applies a change (fields left out stay), audited; in force here at once, elsewhere within one poll. */
  async update(patch: UsageLimitsPatch, meta: { reason?: string | null; actor: string; account?: AuditActor }): Promise<UsageLimitsConfig> {
    const problems = limitsPatchProblems(patch);
    if (problems.length) throw new InvalidLimitsPatchError(problems.map(([f, m]) => `${f}: ${m}`).join("; "));
    const before = this.current.tiers;
    const after = await writeUsageLimits(this.sql, patch, meta.reason ?? null, meta.actor, meta.account ?? null);
    this.settings.adopt(after);
    this.log.info({ usageLimitsVersion: after.version, actor: meta.actor, reason: meta.reason ?? null, patch, before, after: after.tiers }, "usage limits changed");
    return after;
  }

  /** Reloads if the stored version moved; true when newer limits were put in force. */
  refresh(): Promise<boolean> {
    return this.settings.refresh();
  }

  stop(): Promise<void> {
    return this.settings.stop();
  }
}
