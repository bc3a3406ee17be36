// The scheduler's settings (prisma/migrations/0004_scheduler: one row of scheduler_config with a
// version). The claim statement reads the row itself, so workers apply a change at their next claim; API
// processes keep a copy for admission control and poll the version every KINEMA_SCHEDULER_POLL_MS (at
// most 4 s; one primary-key read), so a change made anywhere is in force everywhere within 5 s, without a
// restart or a bus message to lose. The process that makes a change reloads at once.
//
// `update(patch, { reason, actor })` is the programmatic API (the admin mutation and auto-mitigation use
// it): one statement that writes the fields, bumps the version and appends the audit row, then a log line.
import { VersionedSettings, type VersionedSettingsSource } from "../db/versioned-settings.js";
import type { Sql } from "../db/pool.js";
import type { Logger } from "../log.js";
import type { AuditActor } from "../audit/audit-log.js";

export interface SchedulerConfig {
  version: number;
  /** false: plain FIFO over both tiers (weights ignored) */
  fairShare: boolean;
  plusWeight: number;
  freeWeight: number;
  /** most RUNNING jobs of one account at once */
  freeBurstCap: number;
  plusBurstCap: number;
  /** refuse FREE submissions whose predicted queue wait exceeds the target */
  admissionControl: boolean;
  freeQueueWaitTargetSeconds: number;
  updatedBy: string | null;
  reason: string | null;
  updatedAt: Date;
}

export type SchedulerConfigPatch = Partial<Pick<SchedulerConfig,
  "fairShare" | "plusWeight" | "freeWeight" | "freeBurstCap" | "plusBurstCap" | "admissionControl" | "freeQueueWaitTargetSeconds">>;

/** The bounds every change must respect (the mutation reports a violation as a userError). */
export const SCHEDULER_LIMITS = {
  weight: { min: 0.01, max: 1000 },
  burstCap: { min: 1, max: 10_000 },
  waitTargetSeconds: { min: 1, max: 86_400 },
} as const;

const COLUMNS = `version, fair_share AS "fairShare", plus_weight AS "plusWeight", free_weight AS "freeWeight",
  free_burst_cap AS "freeBurstCap", plus_burst_cap AS "plusBurstCap", admission_control AS "admissionControl",
  free_queue_wait_target_seconds AS "freeQueueWaitTargetSeconds", updated_by AS "updatedBy", reason, updated_at AS "updatedAt"`;

/** schedulerConfigVersion — what every API process polls. Not a named prepared statement (PGlite). */
async function storedVersion(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ version: number }>(`/* schedulerConfigVersion */ SELECT version FROM scheduler_config WHERE id = 1`);
  return rows[0]!.version;
}

/** loadSchedulerConfig — the whole row. */
export async function loadSchedulerConfig(sql: Sql): Promise<SchedulerConfig> {
  const { rows } = await sql.query<SchedulerConfig>(`/* loadSchedulerConfig */ SELECT ${COLUMNS} FROM scheduler_config WHERE id = 1`);
  return rows[0]!;
}

/**
 * updateSchedulerConfig — the given fields (null: unchanged) and version + 1, in one statement; the row
 * lock orders concurrent changes, so versions only grow and each names one committed configuration.
 * The same statement appends the change to audit_log (who, why, the row before and after): `old` locks
 * the row first (FOR UPDATE returns its latest committed version, not the statement's snapshot) and the
 * UPDATE joins it, so `old` is read before the row changes; the audit's `before` is the configuration
 * this change replaced even when two changes race.
 */
async function writeSchedulerConfig(sql: Sql, patch: SchedulerConfigPatch, reason: string | null, actor: string | null, auditActor: AuditActor): Promise<SchedulerConfig> {
  const { rows } = await sql.query<SchedulerConfig>(
    `/* updateSchedulerConfig */
     WITH old AS (SELECT to_jsonb(c) AS before_row FROM (SELECT ${COLUMNS} FROM scheduler_config WHERE id = 1 FOR UPDATE) c),
     written AS (
     UPDATE scheduler_config SET version = version + 1,
       fair_share = coalesce($1, fair_share), plus_weight = coalesce($2, plus_weight), free_weight = coalesce($3, free_weight),
       free_burst_cap = coalesce($4, free_burst_cap), plus_burst_cap = coalesce($5, plus_burst_cap),
       admission_control = coalesce($6, admission_control),
       free_queue_wait_target_seconds = coalesce($7, free_queue_wait_target_seconds),
       updated_by = $8, reason = $9, updated_at = now()
     FROM old WHERE id = 1 RETURNING ${COLUMNS}),
     audit AS (
       INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)
       SELECT $10::uuid, $11::"Role", 'scheduler.update', 'SchedulerConfig', '1', $9, (SELECT before_row FROM old), to_jsonb(written)
       FROM written)
     SELECT * FROM written`,
    [patch.fairShare ?? null, patch.plusWeight ?? null, patch.freeWeight ?? null, patch.freeBurstCap ?? null,
      patch.plusBurstCap ?? null, patch.admissionControl ?? null, patch.freeQueueWaitTargetSeconds ?? null, actor, reason,
      auditActor?.id ?? null, auditActor?.role ?? null]);
  return rows[0]!;
}

/** What is wrong with a patch, as [field, message] pairs; empty when it can be applied. */
export function patchProblems(patch: SchedulerConfigPatch): [string, string][] {
  const problems: [string, string][] = [];
  const { weight, burstCap, waitTargetSeconds } = SCHEDULER_LIMITS;
  for (const field of ["plusWeight", "freeWeight"] as const) {
    const v = patch[field];
    if (v != null && !(Number.isFinite(v) && v >= weight.min && v <= weight.max)) problems.push([field, `must be ${weight.min} to ${weight.max}`]);
  }
  for (const field of ["freeBurstCap", "plusBurstCap"] as const) {
    const v = patch[field];
    if (v != null && !(Number.isInteger(v) && v >= burstCap.min && v <= burstCap.max)) problems.push([field, `must be an integer from ${burstCap.min} to ${burstCap.max}`]);
  }
  const t = patch.freeQueueWaitTargetSeconds;
  if (t != null && !(Number.isInteger(t) && t >= waitTargetSeconds.min && t <= waitTargetSeconds.max)) {
    problems.push(["freeQueueWaitTargetSeconds", `must be an integer from ${waitTargetSeconds.min} to ${waitTargetSeconds.max}`]);
  }
  return problems;
}

export class InvalidSchedulerPatchError extends Error {}

const SCHEDULER_CONFIG: VersionedSettingsSource<SchedulerConfig> = {
  what: "scheduler config",
  load: loadSchedulerConfig,
  version: storedVersion,
  describe: (c) => ({ schedulerConfigVersion: c.version, config: pick(c) }),
};

export class SchedulerConfigStore {
  private constructor(private readonly sql: Sql, private readonly log: Logger, private readonly settings: VersionedSettings<SchedulerConfig>) {}

  /** Loads the current settings; polls the version every `pollMs` when > 0. */
  static async start(sql: Sql, options: { pollMs: number }, log: Logger): Promise<SchedulerConfigStore> {
    return new SchedulerConfigStore(sql, log, await VersionedSettings.start(sql, SCHEDULER_CONFIG, options.pollMs, log));
  }

  /** The settings in force in this process. */
  get current(): SchedulerConfig {
    return this.settings.current;
  }

  /**
   * Applies a change (fields left out stay as they are), bumps the version, logs who and why, and puts it
   * in force in this process at once (others within one poll). Throws InvalidSchedulerPatchError for
   * values out of bounds (see patchProblems).
   */
  async update(patch: SchedulerConfigPatch, meta: { reason?: string | null; actor: string; account?: AuditActor }): Promise<SchedulerConfig> {
    const problems = patchProblems(patch);
    if (problems.length) throw new InvalidSchedulerPatchError(problems.map(([f, m]) => `${f}: ${m}`).join("; "));
    const before = this.current;
    const after = await writeSchedulerConfig(this.sql, patch, meta.reason ?? null, meta.actor, meta.account ?? null);
    this.settings.adopt(after);
    this.log.info({ schedulerConfigVersion: after.version, actor: meta.actor, reason: meta.reason ?? null, patch,
      before: pick(before), after: pick(after) }, "scheduler config changed");
    return after;
  }

  /** Reloads if the stored version moved; true when a newer config was put in force. */
  refresh(): Promise<boolean> {
    return this.settings.refresh();
  }

  stop(): Promise<void> {
    return this.settings.stop();
  }
}

function pick(c: SchedulerConfig): SchedulerConfigPatch {
  const { fairShare, plusWeight, freeWeight, freeBurstCap, plusBurstCap, admissionControl, freeQueueWaitTargetSeconds } = c;
  return { fairShare, plusWeight, freeWeight, freeBurstCap, plusBurstCap, admissionControl, freeQueueWaitTargetSeconds };
}
