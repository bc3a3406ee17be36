import { GPU_MS_SQL } from "../../jobs/gpu-time.js";
import type { Account } from "../../accounts/accounts.js";
import type { Sql } from "../../db/pool.js";
import type { ApiKeyRecord } from "../../accounts/api-keys.js";

export interface StaffAccountRecord extends Account { suspendedAt: Date | null; suspendedReason: string | null }

const ACCOUNT_COLUMNS = `a.id, a.name, a.tier, a.role, a.created_at AS "createdAt", a.suspended_at AS "suspendedAt",
  a.suspended_reason AS "suspendedReason"`;

/** staffAccountsByIds — a batch of accounts (the DataLoader's one statement per page). Primary key. */
export async function accountsByIds(sql: Sql, ids: readonly string[]): Promise<Map<string, StaffAccountRecord>> {
  const { rows } = await sql.query<StaffAccountRecord>(
    `/* staffAccountsByIds */ SELECT ${ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = ANY($1::uuid[])`, [ids]);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * staffSearchAccounts — by exact id, name (case-insensitive substring) or key prefix (a key's first
 * characters, `kin_...`, as a customer can read them from their own listing). Accounts are few next to
 * jobs; the name match is a scan, the prefix match joins api_keys by account.
 */
export async function searchAccounts(sql: Sql, text: string, limit: number): Promise<StaffAccountRecord[]> {
  const { rows } = await sql.query<StaffAccountRecord>(
    `/* staffSearchAccounts */
     SELECT ${ACCOUNT_COLUMNS} FROM accounts a
     WHERE a.id::text = $1 OR a.name ILIKE '%' || $2 || '%'
        OR ($3 AND EXISTS (SELECT 1 FROM api_keys k WHERE k.account_id = a.id AND starts_with(k.prefix, left($1, 12))))
     ORDER BY a.created_at DESC, a.id DESC LIMIT $4`,
    [text, text.replace(/[\\%_]/g, (c) => `\\${c}`), text.startsWith("kin_") && text.length >= 6, limit]);
  return rows;
}

/** The most keys staff see per account (revoked ones pile up over the years; the newest matter). */
export const MAX_STAFF_LISTED_KEYS = 100;

/**
 * staffKeysByAccounts — the newest MAX_STAFF_LISTED_KEYS keys of each of a batch of accounts (the
 * DataLoader's one statement). Walks api_keys_account_id_created_at_idx per account.
 */
export async function keysByAccounts(sql: Sql, accountIds: readonly string[]): Promise<Map<string, ApiKeyRecord[]>> {
  const { rows } = await sql.query<ApiKeyRecord>(
    `/* staffKeysByAccounts */
     SELECT k.id, k.account_id AS "accountId", k.key_hash AS "keyHash", k.prefix, k.name, k.created_at AS "createdAt",
       k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt"
     FROM unnest($1::uuid[]) AS a(id)
     CROSS JOIN LATERAL (SELECT * FROM api_keys WHERE account_id = a.id ORDER BY created_at DESC, id DESC LIMIT $2) k
     ORDER BY k.created_at DESC, k.id DESC`, [accountIds, MAX_STAFF_LISTED_KEYS]);
  const byAccount = new Map<string, ApiKeyRecord[]>();
  for (const row of rows) byAccount.set(row.accountId, [...(byAccount.get(row.accountId) ?? []), row]);
  return byAccount;
}

export interface AccountUsageRow { status: string; jobs: number; gpuSeconds: number }

/*
 * staffAccountUsage — one account's jobs created in [from, to), by status, with the GPU-seconds of the
 * work they record: the sum of metadata.stageMs (the runner writes each stage's time when a job
 * completes). Cache hits carry their source's timings but did no GPU work: not counted. Attempts that
 * failed or were cancelled record no stage times yet, so GPU-seconds is a floor (src/jobs/gpu-time.ts). Also
 * the caller's own me.usage (src/limits/usage.ts). Walks
 * jobs_account_id_created_at_id_idx.
 */
export async function accountUsage(sql: Sql, accountId: string, from: Date, to: Date): Promise<AccountUsageRow[]> {
  const { rows } = await sql.query<{ status: string; jobs: number; gpu_ms: string | null }>(
    `/* staffAccountUsage */
     SELECT j.status::text AS status, count(*)::int AS jobs,
       sum(${GPU_MS_SQL}) AS gpu_ms
     FROM jobs j WHERE j.account_id = $1 AND j.created_at >= $2 AND j.created_at < $3
     GROUP BY j.status ORDER BY j.status`, [accountId, from, to]);
  return rows.map((r) => ({ status: r.status, jobs: r.jobs, gpuSeconds: Number(r.gpu_ms ?? 0) / 1000 }));
}
