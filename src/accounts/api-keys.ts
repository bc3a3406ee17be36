// The key lifecycle an account runs on its own keys: create, list, revoke, rotate. Every method is
// scoped to the caller's account: another account's key answers exactly like a key that does not exist
// (NOT_FOUND), so ids cannot be probed. Keys are shown once and stored as their SHA-256 (keys.ts).
// Revocation is a time (`revoked_at`), compared with now() wherever a key is checked, so a rotation's
// grace period is just a revocation time in the future.
import type { Prisma } from "../db/prisma.js";
import type { ApiKey } from "../generated/prisma/client.js";
import { isUuid, type UserError } from "../jobs/validate.js";
import type { Account } from "./accounts.js";
import { newApiKey } from "./keys.js";

export type ApiKeyRecord = ApiKey;

/** Active keys one account may hold: enough for every client and a rotation, not an unbounded table. */
export const MAX_ACTIVE_KEYS = 20;
/** The longest grace period of a rotation: time to roll a deployment, not a second permanent key. */
export const MAX_GRACE_SECONDS = 3_600;
export const MAX_LISTED_KEYS = 100;
const MAX_NAME_LENGTH = 100;

export interface KeyPayload { apiKey: ApiKeyRecord | null; key?: string | null; replaced?: ApiKeyRecord | null; userErrors: UserError[] }

/** Told of every revocation this process makes, so open sockets of the key close at once. */
export type RevocationListener = (keyHash: string) => void;

export function isActive(key: Pick<ApiKeyRecord, "revokedAt">, now = new Date()): boolean {
  return key.revokedAt === null || key.revokedAt > now;
}

/** isActive as a Prisma filter. */
function activeWhere(now = new Date()) {
  return { OR: [{ revokedAt: null }, { revokedAt: { gt: now } }] };
}

export class ApiKeyService {
  private readonly listeners = new Set<RevocationListener>();

  constructor(private readonly prisma: Prisma) {}

  onRevoked(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The account's keys, newest first; revoked ones (and rotated ones past their grace) only when asked. */
  async list(account: Account, options: { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({
      where: { accountId: account.id, ...(options.includeRevoked ? {} : activeWhere()) },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: MAX_LISTED_KEYS,
    });
  }

  async create(account: Account, input: { name?: string | null }): Promise<KeyPayload> {
    const name = normaliseName(input.name);
    if (name === false) return failure({ code: "INVALID_NAME", message: `A key's name must be 1 to ${MAX_NAME_LENGTH} characters.`, field: ["input", "name"] });
    return this.prisma.$transaction(async (tx) => {
      // Serialises key creation per account, so two concurrent creates cannot both pass the cap.
      await tx.$executeRaw`SELECT 1 FROM accounts WHERE id = ${account.id}::uuid FOR UPDATE`;
      const active = await tx.apiKey.count({ where: { accountId: account.id, ...activeWhere() } });
      if (active >= MAX_ACTIVE_KEYS) {
        return failure({ code: "KEY_LIMIT", message: `An account can hold at most ${MAX_ACTIVE_KEYS} active keys; revoke one first.` });
      }
      const key = newApiKey();
      const apiKey = await tx.apiKey.create({ data: { accountId: account.id, keyHash: key.hash, prefix: key.prefix, name } });
      return { apiKey, key: key.key, userErrors: [] };
    });
  }

  /** Revokes now (also a key in its grace period). A key revoked before stays as it was. */
  async revoke(account: Account, id: string): Promise<KeyPayload> {
    if (!isUuid(id)) return notFound(id);
    const now = new Date();
    const updated = await this.prisma.apiKey.updateManyAndReturn({
      where: { id, accountId: account.id, ...activeWhere(now) },
      data: { revokedAt: now },
    });
    if (updated[0]) {
      this.announce(updated[0].keyHash);
      return { apiKey: updated[0], userErrors: [] };
    }
    const existing = await this.prisma.apiKey.findFirst({ where: { id, accountId: account.id } });
    return existing ? { apiKey: existing, userErrors: [] } : notFound(id);
  }

  /**
   * A new key with the old one's name; the old one is revoked now, or `graceSeconds` from now. Only an
   * active key without a scheduled revocation can be rotated, so one key is never rotated twice (two
   * concurrent rotations: the second finds the key already scheduled and gets KEY_REVOKED).
   */
  async rotate(account: Account, id: string, graceSeconds = 0): Promise<KeyPayload> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
      return failure({ code: "INVALID_GRACE_PERIOD", message: `The grace period must be 0 to ${MAX_GRACE_SECONDS} seconds.`, field: ["gracePeriodSeconds"] });
    }
    if (!isUuid(id)) return notFound(id);
    const result = await this.prisma.$transaction(async (tx) => {
      const revokedAt = new Date(Date.now() + graceSeconds * 1000);
      const [old] = await tx.apiKey.updateManyAndReturn({ where: { id, accountId: account.id, revokedAt: null }, data: { revokedAt } });
      if (!old) return null;
      const key = newApiKey();
      const apiKey = await tx.apiKey.create({ data: { accountId: account.id, keyHash: key.hash, prefix: key.prefix, name: old.name } });
      return { apiKey, key: key.key, replaced: old, userErrors: [] } satisfies KeyPayload;
    });
    if (result) {
      if (graceSeconds === 0) this.announce(result.replaced.keyHash);
      return result;
    }
    const existing = await this.prisma.apiKey.findFirst({ where: { id, accountId: account.id } });
    if (!existing) return notFound(id);
    return failure({ code: "KEY_REVOKED", message: "This key is already revoked or rotated; rotate an active key.", field: ["id"] });
  }

  /** Tells this process's listeners (open sockets) that a key was revoked, by this service or by staff. */
  announce(keyHash: string): void {
    for (const listener of this.listeners) listener(keyHash);
  }
}

function normaliseName(raw: string | null | undefined): string | null | false {
  if (raw == null) return null;
  const name = raw.trim();
  return name.length >= 1 && name.length <= MAX_NAME_LENGTH ? name : false;
}

function failure(error: UserError): KeyPayload {
  return { apiKey: null, key: null, userErrors: [error] };
}

function notFound(id: string): KeyPayload {
  return failure({ code: "NOT_FOUND", message: `No API key with id ${JSON.stringify(id.slice(0, 100))}.`, field: ["id"] });
}
