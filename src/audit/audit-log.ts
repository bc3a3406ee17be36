// The audit log (prisma/migrations/0007): one row per staff or admin action, written by the action's
// own transaction (recordAudit on its transaction, or an `audit_log` insert inside the action's single
// statement: safety rules, scheduler settings), never afterwards, so an action without its row cannot
// commit. The table is append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
import type { Account, Role } from "../accounts/accounts.js";
import type { Sql } from "../db/pool.js";

/** Who acted: a staff account, or null for a component of Kinema itself (auto-mitigation). */
export type AuditActor = Pick<Account, "id" | "role"> | null;

export interface AuditEntry {
  actor: AuditActor;
  /** dotted, stable names: job.cancel, job.retry, apiKey.revoke, account.setTier, account.suspend, ... */
  action: string;
  targetType: "Job" | "ApiKey" | "Account" | "SafetyRule" | "SchedulerConfig" | "RetentionConfig" | "UsageLimits";
  targetId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditRecord {
  id: string;
  actorAccountId: string | null;
  actorRole: Role | null;
  action: string;
  targetType: string;
  targetId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
}

/** insertAudit — one row; `tx` must be the action's transaction. Appends only (no index but the log's own). */
export async function recordAudit(tx: Sql, entry: AuditEntry): Promise<void> {
  await tx.query(
    `/* insertAudit */
     INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
    [entry.actor?.id ?? null, entry.actor?.role ?? null, entry.action, entry.targetType, entry.targetId, entry.reason,
      toJson(entry.before), toJson(entry.after)]);
}

/** BigInt (seeds, fencing tokens) as numbers; undefined as null. */
function toJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? Number(v) : v));
}

export interface AuditFilter {
  actorAccountId?: string | null;
  targetId?: string | null;
  action?: string | null;
  after?: Date | null;
  before?: Date | null;
}

export const MAX_AUDIT_PAGE = 200;

const COLUMNS = `id::text AS id, actor_account_id AS "actorAccountId", actor_role AS "actorRole", action,
  target_type AS "targetType", target_id AS "targetId", reason, before, after, created_at AS "createdAt"`;

/**
 * listAudit — newest first, after a cursor (the last row's id: ids only grow, so id order is insertion
 * order). Walks audit_log_pkey backwards, or the target/actor index when one is given.
 */
export async function listAudit(sql: Sql, filter: AuditFilter, first: number, afterId: string | null): Promise<AuditRecord[]> {
  const { rows } = await sql.query<AuditRecord>(
    `/* listAudit */
     SELECT ${COLUMNS} FROM audit_log
     WHERE ($1::uuid IS NULL OR actor_account_id = $1) AND ($2::text IS NULL OR target_id = $2)
       AND ($3::text IS NULL OR action = $3) AND ($4::timestamptz IS NULL OR created_at >= $4)
       AND ($5::timestamptz IS NULL OR created_at < $5) AND ($6::bigint IS NULL OR id < $6)
     ORDER BY id DESC LIMIT $7`,
    [filter.actorAccountId ?? null, filter.targetId ?? null, filter.action ?? null, filter.after ?? null, filter.before ?? null,
      afterId, first]);
  return rows;
}
