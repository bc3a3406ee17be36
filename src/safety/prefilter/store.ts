// The pre-filter's SQL (prisma/migrations/0003_safety_rules): one statement per function, each tagged.
// A change to a rule and the bump of `safety_rule_set.version` are one statement (a data-modifying CTE),
// so they commit together; the UPDATE's row lock on the single version row orders concurrent changes.
import type { Sql } from "../../db/pool.js";
import type { RuleKind, RuleRow, SafetyCategory } from "./rules.js";

export interface SafetyRuleRecord {
  id: number;
  category: SafetyCategory;
  kind: RuleKind;
  pattern: string;
  enabled: boolean;
  createdBy: string | null;
  createdAt: Date;
  createdVersion: number;
  disabledBy: string | null;
  disabledAt: Date | null;
  disabledVersion: number | null;
}

const COLUMNS = `id, category, kind, pattern, enabled, created_by AS "createdBy", created_at AS "createdAt",
  created_version AS "createdVersion", disabled_by AS "disabledBy", disabled_at AS "disabledAt",
  disabled_version AS "disabledVersion"`;

/** safetyRuleSetVersion — what every API process polls: one primary-key read. */
export async function ruleSetVersion(sql: Sql): Promise<number> {
  // Not a named prepared statement: PGlite (embedded mode) shares one session between connections.
  const { rows } = await sql.query<{ version: number }>(`/* safetyRuleSetVersion */ SELECT version FROM safety_rule_set WHERE id = 1`);
  return rows[0]!.version;
}

/** loadSafetyRules — the version and its enabled rules, from one snapshot (one statement). */
export async function loadRules(sql: Sql): Promise<{ version: number; rows: RuleRow[] }> {
  const { rows } = await sql.query<{ version: number; id: number | null; category: SafetyCategory; kind: RuleKind; pattern: string }>(
    `/* loadSafetyRules */
     SELECT s.version, r.id, r.category, r.kind, r.pattern
     FROM safety_rule_set s LEFT JOIN safety_rules r ON r.enabled
     WHERE s.id = 1 ORDER BY r.id`);
  return {
    version: rows[0]!.version,
    rows: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, category: r.category, kind: r.kind, pattern: r.pattern })),
  };
}

/** listSafetyRules — for the admin API, oldest first. */
export async function listRules(sql: Sql, includeDisabled: boolean): Promise<SafetyRuleRecord[]> {
  const { rows } = await sql.query<SafetyRuleRecord>(
    `/* listSafetyRules */ SELECT ${COLUMNS} FROM safety_rules WHERE enabled OR $1 ORDER BY id`, [includeDisabled]);
  return rows;
}

export async function findRule(sql: Sql, id: number): Promise<SafetyRuleRecord | null> {
  const { rows } = await sql.query<SafetyRuleRecord>(`/* findSafetyRule */ SELECT ${COLUMNS} FROM safety_rules WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** findEnabledSafetyRule — an enabled rule with the same category, kind and pattern (case aside). */
export async function findEnabledDuplicate(sql: Sql, category: SafetyCategory, kind: RuleKind, pattern: string): Promise<number | null> {
  const { rows } = await sql.query<{ id: number }>(
    `/* findEnabledSafetyRule */ SELECT id FROM safety_rules WHERE enabled AND category = $1 AND kind = $2 AND lower(pattern) = lower($3) LIMIT 1`,
    [category, kind, pattern]);
  return rows[0]?.id ?? null;
}

/** Who changed a rule and why, for the audit row the change's own statement appends. */
export interface RuleChangeActor { id: string; role: string; reason: string | null }

/** addSafetyRule — the new row, created in the version this statement makes, and its audit_log row. */
export async function insertRule(sql: Sql, rule: { category: SafetyCategory; kind: RuleKind; pattern: string }, actor: RuleChangeActor): Promise<SafetyRuleRecord> {
  const { rows } = await sql.query<SafetyRuleRecord>(
    `/* addSafetyRule */
     WITH bump AS (UPDATE safety_rule_set SET version = version + 1, updated_at = now() WHERE id = 1 RETURNING version),
     added AS (
       INSERT INTO safety_rules (category, kind, pattern, created_by, created_version)
       SELECT $1, $2, $3, $4, bump.version FROM bump
       RETURNING ${COLUMNS}),
     audit AS (
       INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)
       SELECT $4::uuid, $5::"Role", 'safetyRule.add', 'SafetyRule', added.id::text, $6, NULL, to_jsonb(added) FROM added)
     SELECT * FROM added`, [rule.category, rule.kind, rule.pattern, actor.id, actor.role, actor.reason]);
  return rows[0]!;
}

/**
 * disableSafetyRule — the disabled row, or null when there is no enabled rule with this id. The row is
 * locked first; a second concurrent disable re-reads it after the first commits, finds it disabled, and
 * bumps nothing.
 */
export async function disableRule(sql: Sql, id: number, actor: RuleChangeActor): Promise<SafetyRuleRecord | null> {
  const { rows } = await sql.query<SafetyRuleRecord>(
    `/* disableSafetyRule */
     WITH target AS (SELECT id AS target_id FROM safety_rules WHERE id = $1 AND enabled FOR UPDATE),
     old AS (SELECT ${COLUMNS} FROM safety_rules WHERE id = $1),
     bump AS (
       UPDATE safety_rule_set SET version = version + 1, updated_at = now()
       WHERE id = 1 AND EXISTS (SELECT 1 FROM target) RETURNING version),
     disabled AS (
       UPDATE safety_rules r SET enabled = false, disabled_at = now(), disabled_by = $2, disabled_version = bump.version
       FROM bump, target WHERE r.id = target.target_id
       RETURNING ${COLUMNS}),
     audit AS (
       INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)
       SELECT $2::uuid, $3::"Role", 'safetyRule.disable', 'SafetyRule', disabled.id::text, $4,
         (SELECT to_jsonb(old) FROM old), to_jsonb(disabled) FROM disabled)
     SELECT * FROM disabled`, [id, actor.id, actor.role, actor.reason]);
  return rows[0] ?? null;
}
