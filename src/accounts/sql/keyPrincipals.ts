import type { Sql } from "../../db/pool.js";
import type { Tier } from "../../config/config.js";
import type { Account, Role } from "../accounts.js";

/*
 * keyPrincipals — the account and revocation time behind each of a batch of key hashes. One statement
 * for any number of keys: the API's key cache refreshes every key held by an open socket with it, so
 * re-checking 1,000 sockets is one query, not 1,000. Walks api_keys_key_hash_key (unique), then the
 * accounts primary key. A hash with no row is simply absent from the result.
 */
const KEY_PRINCIPALS = `/* keyPrincipals */
SELECT k.id AS key_id, k.key_hash, k.revoked_at, a.id, a.name, a.tier, a.role, a.created_at, a.suspended_at
FROM api_keys k JOIN accounts a ON a.id = k.account_id
WHERE k.key_hash = ANY($1::text[])`;

export interface KeyPrincipal {
  keyId: string;
  keyHash: string;
  /** null, or the time the key stops working (in the future during a rotation's grace period) */
  revokedAt: Date | null;
  account: Account;
}

interface Row { key_id: string; key_hash: string; revoked_at: Date | null; id: string; name: string; tier: Tier; role: Role; created_at: Date; suspended_at: Date | null }

export async function keyPrincipals(sql: Sql, hashes: readonly string[]): Promise<Map<string, KeyPrincipal>> {
  const { rows } = await sql.query<Row>(KEY_PRINCIPALS, [hashes]);
  return new Map(rows.map((r) => [r.key_hash, {
    keyId: r.key_id, keyHash: r.key_hash, revokedAt: r.revoked_at,
    account: { id: r.id, name: r.name, tier: r.tier, role: r.role, createdAt: r.created_at, suspendedAt: r.suspended_at },
  }]));
}
