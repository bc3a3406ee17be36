// Safety incidents (prisma/migrations/0015_hash_bank): written by a trigger on jobs when a job turns
// BLOCKED (grouped by source and pattern: a pre-filter rule id, a bank entry, a classifier category),
// and by the rolling re-scan for each delivered clip it catches (source RESCAN, recordRescanIncident);
// read by staff for the weekly review and annotated or closed by an admin, audited.
import type { Account } from "../../accounts/accounts.js";
import type { Sql } from "../../db/pool.js";
import type { UserError } from "../../jobs/validate.js";

export interface SafetyIncidentRecord {
  id: number;
  source: "PREFILTER" | "POSTFILTER";
  pattern: string;
  category: string;
  firstSeen: Date;
  lastSeen: Date;
  jobsAffected: number;
  status: "OPEN" | "CLOSED";
  note: string | null;
  annotatedBy: string | null;
  annotatedAt: Date | null;
  closedAt: Date | null;
  closedBy: string | null;
}

const COLUMNS = `id, source, pattern, category, first_seen AS "firstSeen", last_seen AS "lastSeen", jobs_affected AS "jobsAffected",
  CASE WHEN closed_at IS NULL THEN 'OPEN' ELSE 'CLOSED' END AS status, note, annotated_by AS "annotatedBy",
  annotated_at AS "annotatedAt", closed_at AS "closedAt", closed_by AS "closedBy"`;

export const MAX_INCIDENTS = 1000;
const MAX_NOTE = 2000;

/** listSafetyIncidents — incidents active in [from, to) (first seen before `to`, last seen at or after `from`), latest first. */
export async function listIncidents(sql: Sql, from: Date, to: Date, status: "OPEN" | "CLOSED" | null): Promise<SafetyIncidentRecord[]> {
  const { rows } = await sql.query<SafetyIncidentRecord>(
    `/* listSafetyIncidents */ SELECT ${COLUMNS} FROM safety_incidents
     WHERE last_seen >= $1 AND first_seen < $2 AND ($3::text IS NULL OR (closed_at IS NULL) = ($3 = 'OPEN'))
     ORDER BY last_seen DESC, id DESC LIMIT ${MAX_INCIDENTS}`, [from, to, status]);
  return rows;
}

export interface IncidentPayload { incident: SafetyIncidentRecord | null; userErrors: UserError[] }

/**
 * annotateSafetyIncident — sets the note (when given) and closes the incident (when asked), with its
 * audit row, in one statement. A closed incident frees its key: the next block of the same pattern opens
 * a new one. Closing a closed incident is refused; a note may still be added to it.
 */
export async function annotateIncident(sql: Sql, admin: Account, id: string, change: { note: string | null; close: boolean }, reason: string | null): Promise<IncidentPayload> {
  const numeric = /^\d{1,9}$/.test(id) ? Number(id) : null;
  const refused = (code: string, message: string, field: string[]): IncidentPayload => ({ incident: null, userErrors: [{ code, message, field }] });
  if (numeric === null) return refused("NOT_FOUND", `No safety incident with id ${JSON.stringify(id)}.`, ["id"]);
  if (change.note !== null && change.note.length > MAX_NOTE) return refused("INVALID_INPUT", `The note is at most ${MAX_NOTE} characters.`, ["note"]);
  if (change.note === null && !change.close) return refused("INVALID_INPUT", "Give a note, close: true, or both.", ["note"]);
  const { rows } = await sql.query<SafetyIncidentRecord & { wasClosed: boolean }>(
    `/* annotateSafetyIncident */
     WITH old AS (SELECT ${COLUMNS} FROM safety_incidents WHERE id = $1 FOR UPDATE),
     changed AS (
       UPDATE safety_incidents i SET
         note = coalesce($2, i.note),
         annotated_by = CASE WHEN $2::text IS NULL THEN i.annotated_by ELSE $4::uuid END,
         annotated_at = CASE WHEN $2::text IS NULL THEN i.annotated_at ELSE now() END,
         closed_at = CASE WHEN $3 AND i.closed_at IS NULL THEN now() ELSE i.closed_at END,
         closed_by = CASE WHEN $3 AND i.closed_at IS NULL THEN $4::uuid ELSE i.closed_by END,
         open_key = CASE WHEN $3 THEN NULL ELSE i.open_key END
       WHERE i.id = $1 AND NOT ($3 AND i.closed_at IS NOT NULL)
       RETURNING ${COLUMNS}),
     audit AS (
       INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)
       SELECT $4::uuid, $5::"Role", CASE WHEN $3 THEN 'safetyIncident.close' ELSE 'safetyIncident.annotate' END, 'SafetyIncident',
         changed.id::text, $6, (SELECT to_jsonb(old) FROM old), to_jsonb(changed) FROM changed)
     SELECT changed.*, false AS "wasClosed" FROM changed
     UNION ALL SELECT old.*, true FROM old WHERE NOT EXISTS (SELECT 1 FROM changed)`,
    [numeric, change.note, change.close, admin.id, admin.role, reason]);
  const row = rows[0];
  if (!row) return refused("NOT_FOUND", `No safety incident with id ${JSON.stringify(id)}.`, ["id"]);
  const { wasClosed, ...incident } = row;
  if (wasClosed) return { ...refused("ALREADY_CLOSED", `Incident ${id} is already closed.`, ["close"]), incident };
  return { incident, userErrors: [] };
}

/** What a re-scan hit matched, in the trigger's vocabulary: bank:<entry id> (the entry's category), or classifier:<category>. */
export function rescanIncidentPattern(category: string, audit: Record<string, unknown>): { pattern: string; category: string } {
  const match = (audit.hashGate as { matches?: { entryId?: number; label?: string; category?: string }[] } | undefined)?.matches?.[0];
  if (!match) return { pattern: `classifier:${category.toLowerCase()}`, category };
  return { pattern: `bank:${match.entryId ?? (match.label !== undefined ? `label:${match.label}` : "unknown")}`, category: match.category ?? category };
}

/**
 * recordRescanIncident — a re-scan hit as a safety incident, source RESCAN (a clip that was delivered
 * before it was caught: the review wants these apart from the blocks that never reached anyone). The
 * trigger on jobs records blocks only (a hit turns the job TAKEN_DOWN, not BLOCKED), so the re-scan writes
 * its own, with the trigger's grouping: one open incident per pattern, each job counted once. One
 * statement: the count is decided by the link's existence, not by a second update of the same row.
 */
export async function recordRescanIncident(sql: Sql, hit: { jobId: string; category: string; pattern: string }): Promise<number> {
  const { rows } = await sql.query<{ id: number }>(
    `/* recordRescanIncident */
     WITH incident AS (
       INSERT INTO safety_incidents (source, pattern, category, first_seen, last_seen, jobs_affected, open_key)
       VALUES ('RESCAN', $1::text, lower($2::text), now(), now(), 1, 'RESCAN|' || $1::text)
       ON CONFLICT (open_key) DO UPDATE SET last_seen = greatest(safety_incidents.last_seen, EXCLUDED.last_seen),
         jobs_affected = safety_incidents.jobs_affected + CASE WHEN EXISTS (
           SELECT 1 FROM safety_incident_jobs j WHERE j.incident_id = safety_incidents.id AND j.job_id = $3::uuid) THEN 0 ELSE 1 END
       RETURNING id),
     linked AS (INSERT INTO safety_incident_jobs (incident_id, job_id, seen_at) SELECT id, $3::uuid, now() FROM incident ON CONFLICT DO NOTHING)
     SELECT id FROM incident`,
    [hit.pattern, hit.category, hit.jobId]);
  return rows[0]!.id;
}
