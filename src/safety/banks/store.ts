// The hash bank's SQL (prisma/migrations/0015_hash_bank): one statement per function, each tagged. Like
// the safety rules (src/safety/prefilter/store.ts), a change and the bump of hash_bank_set.version are
// one statement, with its audit_log row, so they commit together.
import type { Sql } from "../../db/pool.js";
import type { BankEntry } from "./bank.js";

export interface HashBankRecord {
  id: number;
  hash: string;
  category: string;
  label: string;
  quality: number | null;
  source: string;
  addedAt: Date;
  addedBy: string;
  enabled: boolean;
  disabledAt: Date | null;
  disabledBy: string | null;
  disabledReason: string | null;
}

/** Who changed the bank and why: an admin (account id and role) or the CLI (id "cli:<user>", no role). */
export interface BankActor { id: string; accountId: string | null; role: string | null; reason: string | null }

const COLUMNS = `id, hash, category, label, quality, source, added_at AS "addedAt", added_by AS "addedBy", enabled,
  disabled_at AS "disabledAt", disabled_by AS "disabledBy", disabled_reason AS "disabledReason"`;

const AUDIT = `INSERT INTO audit_log (actor_account_id, actor_role, action, target_type, target_id, reason, before, after)`;

/** hashBankVersion — what every worker polls: one primary-key read. */
export async function bankVersion(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ version: number }>(`/* hashBankVersion */ SELECT version FROM hash_bank_set WHERE id = 1`);
  return rows[0]!.version;
}

/** loadHashBank — the version and its enabled entries, from one snapshot (one statement). */
export async function loadEnabledEntries(sql: Sql): Promise<{ version: number; entries: BankEntry[] }> {
  const { rows } = await sql.query<{ version: number; id: number | null; hash: string; label: string; category: string }>(
    `/* loadHashBank */
     SELECT s.version, e.id, e.hash, e.label, e.category
     FROM hash_bank_set s LEFT JOIN hash_bank_entries e ON e.enabled
     WHERE s.id = 1 ORDER BY e.id`);
  return {
    version: rows[0]!.version,
    entries: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, hash: r.hash, label: r.label, category: r.category })),
  };
}

export interface ImportRow { hash: string; label: string; quality: number | null }
export interface ImportOutcome { inserted: number; alreadyPresent: number; version: number }

/**
 * importHashBank — the rows not yet in the bank (same hash and category) added, the version bumped only
 * when something was, and one audit row for the import, in one statement: re-importing adds nothing.
 */
export async function importEntries(sql: Sql, rows: readonly ImportRow[], meta: { category: string; source: string }, actor: BankActor): Promise<ImportOutcome> {
  const { rows: out } = await sql.query<{ inserted: number; version: number }>(
    `/* importHashBank */
     WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) AS t(hash, label, quality)),
     added AS (
       INSERT INTO hash_bank_entries (hash, category, label, quality, source, added_by)
       SELECT hash, $4, label, quality, $5, $6 FROM input
       ON CONFLICT (hash, category) DO NOTHING RETURNING id),
     bump AS (
       UPDATE hash_bank_set SET version = version + 1, updated_at = now()
       WHERE id = 1 AND EXISTS (SELECT 1 FROM added) RETURNING version),
     audit AS (
       ${AUDIT}
       SELECT $7::uuid, $8::"Role", 'hashBank.import', 'HashBank', $5, $9, NULL,
         jsonb_build_object('source', $5, 'category', $4, 'by', $6, 'rows', cardinality($1::text[]), 'inserted', (SELECT count(*) FROM added)))
     SELECT (SELECT count(*) FROM added)::int AS inserted,
       coalesce((SELECT version FROM bump), (SELECT version FROM hash_bank_set WHERE id = 1)) AS version`,
    [rows.map((r) => r.hash), rows.map((r) => r.label), rows.map((r) => r.quality), meta.category, meta.source, actor.id, actor.accountId, actor.role, actor.reason]);
  const { inserted, version } = out[0]!;
  return { inserted, alreadyPresent: rows.length - inserted, version };
}

/** addHashBankEntry — the new entry and its audit row; null when (hash, category) is already in the bank. */
export async function insertEntry(sql: Sql, entry: ImportRow & { category: string; source: string }, actor: BankActor): Promise<HashBankRecord | null> {
  const { rows } = await sql.query<HashBankRecord>(
    `/* addHashBankEntry */
     WITH added AS (
       INSERT INTO hash_bank_entries (hash, category, label, quality, source, added_by)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash, category) DO NOTHING
       RETURNING ${COLUMNS}),
     bump AS (UPDATE hash_bank_set SET version = version + 1, updated_at = now() WHERE id = 1 AND EXISTS (SELECT 1 FROM added)),
     audit AS (
       ${AUDIT}
       SELECT $7::uuid, $8::"Role", 'hashBank.add', 'HashBankEntry', added.id::text, $9, NULL, to_jsonb(added) FROM added)
     SELECT * FROM added`,
    [entry.hash, entry.category, entry.label, entry.quality, entry.source, actor.id, actor.accountId, actor.role, actor.reason]);
  return rows[0] ?? null;
}

/** disableHashBankEntry — the disabled entry, or null when there is no enabled entry with this id. */
export async function disableEntry(sql: Sql, id: number, actor: BankActor): Promise<HashBankRecord | null> {
  const { rows } = await sql.query<HashBankRecord>(
    `/* disableHashBankEntry */
     WITH target AS (SELECT id AS target_id FROM hash_bank_entries WHERE id = $1 AND enabled FOR UPDATE),
     old AS (SELECT ${COLUMNS} FROM hash_bank_entries WHERE id = $1),
     disabled AS (
       UPDATE hash_bank_entries e SET enabled = false, disabled_at = now(), disabled_by = $2, disabled_reason = $5
       FROM target WHERE e.id = target.target_id
       RETURNING ${COLUMNS}),
     bump AS (UPDATE hash_bank_set SET version = version + 1, updated_at = now() WHERE id = 1 AND EXISTS (SELECT 1 FROM disabled)),
     audit AS (
       ${AUDIT}
       SELECT $3::uuid, $4::"Role", 'hashBank.disable', 'HashBankEntry', disabled.id::text, $5,
         (SELECT to_jsonb(old) FROM old), to_jsonb(disabled) FROM disabled)
     SELECT * FROM disabled`, [id, actor.id, actor.accountId, actor.role, actor.reason]);
  return rows[0] ?? null;
}

/** listHashBankEntries — newest first, keyset-paginated by id. */
export async function listEntries(sql: Sql, filter: { category: string | null; includeDisabled: boolean; first: number; beforeId: number | null }): Promise<HashBankRecord[]> {
  const { rows } = await sql.query<HashBankRecord>(
    `/* listHashBankEntries */ SELECT ${COLUMNS} FROM hash_bank_entries
     WHERE (enabled OR $1) AND ($2::text IS NULL OR category = $2) AND ($3::int IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`, [filter.includeDisabled, filter.category, filter.beforeId, filter.first]);
  return rows;
}

/** findHashBankEntry — whether an entry with this id exists (enabled or not). */
export async function entryExists(sql: Sql, id: number): Promise<boolean> {
  const { rows } = await sql.query(`/* findHashBankEntry */ SELECT 1 FROM hash_bank_entries WHERE id = $1`, [id]);
  return rows.length > 0;
}
