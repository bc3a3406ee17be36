// The kill switches' SQL (prisma/migrations/0014_safety_switches: one row of safety_switches with a
// version). One statement per function, each tagged. A change writes the fields, bumps the version and
// appends its audit_log row in one statement, so a change without its audit row cannot commit.
import type { Sql } from "../../db/pool.js";
import type { AuditActor } from "../../audit/audit-log.js";
import type { SafetyCategory } from "../prefilter/rules.js";

export interface SafetySwitches {
  version: number;
  /** clips in which the post-filter saw a face are held back (no URL signed) while true */
  holdFaceClips: boolean;
  /** pre-filter categories refused for everyone: a prompt touching one is refused */
  suspendedCategories: SafetyCategory[];
  /** every post-filter score threshold is multiplied by this (0.1 to 1; 1: as configured) */
  thresholdFactor: number;
  updatedBy: string | null;
  reason: string | null;
  updatedAt: Date;
}

export type SafetySwitchesPatch = Partial<Pick<SafetySwitches, "holdFaceClips" | "suspendedCategories" | "thresholdFactor">>;

/** What the switches are when nothing tightens anything (a fresh database's row). */
export const SWITCHES_OFF: Omit<SafetySwitches, "updatedAt"> = {
  version: 1, holdFaceClips: false, suspendedCategories: [], thresholdFactor: 1, updatedBy: null, reason: null,
};

const COLUMNS = `version, hold_face_clips AS "holdFaceClips", suspended_categories AS "suspendedCategories",
  threshold_factor AS "thresholdFactor", updated_by AS "updatedBy", reason, updated_at AS "updatedAt"`;

/** safetySwitchesVersion — what every process polls: one primary-key read (not a named statement: PGlite). */
export async function switchesVersion(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ version: number }>(`/* safetySwitchesVersion */ SELECT version FROM safety_switches WHERE id = 1`);
  return rows[0]!.version;
}

/** loadSafetySwitches — the whole row. */
export async function loadSwitches(sql: Sql): Promise<SafetySwitches> {
  const { rows } = await sql.query<SafetySwitches>(`/* loadSafetySwitches */ SELECT ${COLUMNS} FROM safety_switches WHERE id = 1`);
  return rows[0]!;
}

/**
 * updateSafetySwitches — the given fields (null: unchanged), version + 1 and the audit row, in one
 * statement. `old` locks the row first (FOR UPDATE reads its latest committed version), so the audit's
 * `before` is the row this change replaced even when two changes race; versions only grow.
 */
export async function writeSwitches(sql: Sql, patch: SafetySwitchesPatch, reason: string | null, actor: string, auditActor: AuditActor): Promise<SafetySwitches> {
  const { rows } = await sql.query<SafetySwitches>(
    `/* updateSafetySwitches */
     WITH old AS (SELECT to_jsonb(s) AS before_row FROM (SELECT ${COLUMNS} FROM safety_switches WHERE id = 1 FOR UPDATE) s),
     written AS (
       UPDATE safety_switches SET version = version + 1,
         hold_face_clips = coalesce($1, hold_face_clips),
         suspended_categories = coalesce($2::text[], suspended_categories),
         threshold_factor = coalesce($3, threshold_factor),
         updated_by = $4, reason = $5, updated_at = now()
       FROM old WHERE id = 1 RETURNING ${COLUMNS}),
     audit AS (
       INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)
       SELECT $6::uuid, $7::"Role", 'safetySwitches.update', 'SafetySwitches', '1', $5, (SELECT before_row FROM old), to_jsonb(written)
       FROM written)
     SELECT * FROM written`,
    [patch.holdFaceClips ?? null, patch.suspendedCategories ?? null, patch.thresholdFactor ?? null, actor, reason,
      auditActor?.id ?? null, auditActor?.role ?? null]);
  return rows[0]!;
}
