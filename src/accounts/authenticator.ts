// Who a key belongs to, with a short cache: every HTTP request and every WebSocket operation asks here,
// and a key's row is read at most once per `cacheMs` (default 2 s) per API process. That TTL is the
// bound on how long another process's revocation, or a tier or role change, takes to be seen; a
// revocation made through this process (ApiKeyService) drops the entry at once. Open sockets are
// re-checked in bulk with refresh(): one statement for every key they hold.
import type { Sql } from "../db/pool.js";
import type { Account } from "./accounts.js";
import { isActive } from "./api-keys.js";
import { hashApiKey } from "./keys.js";
import type { KeyUsageRecorder } from "./key-usage.js";
import { keyPrincipals, type KeyPrincipal } from "./sql/keyPrincipals.js";

/** An authenticated caller: the account and the key it used. */
export interface Principal { account: Account; keyId: string; keyHash: string }

// Bounds the cache's memory: keys in use at once, not every key ever seen. Past it the oldest entry
// goes (one more read for that key, nothing worse). Unknown keys are never cached, so guessing random
// keys cannot push real ones out faster than it costs the guesser a request each.
const MAX_ENTRIES = 10_000;

export class KeyAuthenticator {
  private readonly cache = new Map<string, { at: number; row: KeyPrincipal }>();
  private readonly loading = new Map<string, Promise<KeyPrincipal | null>>();

  constructor(private readonly sql: Sql, private readonly usage: KeyUsageRecorder, private readonly cacheMs: number) {}

  /** The caller behind a key, or null for an unknown, revoked or expired key. Records the use. */
  authenticate(key: string): Promise<Principal | null> {
    return this.byHash(hashApiKey(key));
  }

  async byHash(keyHash: string): Promise<Principal | null> {
    const cached = this.cache.get(keyHash);
    const row = cached && Date.now() - cached.at < this.cacheMs ? cached.row : await this.load(keyHash);
    if (!row || !isActive(row)) return null;
    this.usage.touch(row.keyId);
    return { account: row.account, keyId: row.keyId, keyHash: row.keyHash };
  }

  /** Re-reads these keys now, in one statement; returns who each one authenticates now (null: nobody). */
  async refresh(keyHashes: readonly string[]): Promise<Map<string, Principal | null>> {
    const result = new Map<string, Principal | null>();
    if (keyHashes.length === 0) return result;
    const rows = await keyPrincipals(this.sql, keyHashes);
    const now = new Date();
    for (const hash of keyHashes) {
      const row = rows.get(hash);
      if (row) this.remember(row);
      else this.cache.delete(hash);
      result.set(hash, row && isActive(row, now) ? { account: row.account, keyId: row.keyId, keyHash: hash } : null);
    }
    return result;
  }

  /** Forgets every cached key of an account (staff changed it: suspension, tier), so the next use reads it. */
  invalidateAccount(accountId: string): void {
    for (const [hash, entry] of this.cache) if (entry.row.account.id === accountId) this.cache.delete(hash);
  }

  /** Forgets a key, so its next use reads the row (after a revocation by this process). */
  invalidate(keyHash: string): void {
    this.cache.delete(keyHash);
  }

  private load(keyHash: string): Promise<KeyPrincipal | null> {
    let pending = this.loading.get(keyHash);
    if (!pending) {
      // Concurrent requests with one key share one read.
      pending = keyPrincipals(this.sql, [keyHash]).then((rows) => {
        const row = rows.get(keyHash) ?? null;
        if (row) this.remember(row);
        return row;
      }).finally(() => this.loading.delete(keyHash));
      this.loading.set(keyHash, pending);
    }
    return pending;
  }

  private remember(row: KeyPrincipal): void {
    this.cache.delete(row.keyHash); // re-inserted at the end: the Map's order is least recently read first
    this.cache.set(row.keyHash, { at: Date.now(), row });
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }
}
