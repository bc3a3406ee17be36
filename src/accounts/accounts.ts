// Accounts and their keys: creation (CLI, embedded demo) and authentication (API).
import type { Prisma } from "../db/prisma.js";
import type { Tier } from "../config/config.js";
import { isActive } from "./api-keys.js";
import { hashApiKey, newApiKey } from "./keys.js";

/**
 * USER: its own account only. SUPPORT: also reads across accounts and takes the limited staff actions.
 * ADMIN: everything, safety rules and scheduler settings included. The table of who may call which field
 * is src/api/authorization.ts.
 */
export type Role = "USER" | "SUPPORT" | "ADMIN";
export const ROLES: readonly Role[] = ["USER", "SUPPORT", "ADMIN"];

export interface Account {
  id: string; name: string; tier: Tier; role: Role; createdAt: Date;
  /** set while staff have suspended the account: its keys then get ACCOUNT_SUSPENDED */
  suspendedAt?: Date | null;
}

/** Whether the account is suspended now (its keys authenticate, but every request is refused). */
export function isSuspended(account: Pick<Account, "suspendedAt">): boolean {
  return account.suspendedAt != null;
}

export class AccountService {
  constructor(private readonly prisma: Prisma) {}

  /** Creates an account and its first key; the key is returned once and only its hash is stored. */
  async create(input: { name: string; tier: Tier; role?: Role }): Promise<{ account: Account; apiKey: string }> {
    const key = newApiKey();
    const account = await this.prisma.account.create({
      data: { name: input.name, tier: input.tier, role: input.role ?? "USER", apiKeys: { create: { keyHash: key.hash, prefix: key.prefix } } },
    });
    return { account, apiKey: key.key };
  }

  /**
   * The account a key belongs to, or null for an unknown or revoked key; uncached (the API asks
   * KeyAuthenticator, which caches and records use).
   */
  async authenticate(apiKey: string): Promise<Account | null> {
    const row = await this.prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(apiKey) }, include: { account: true } });
    if (!row || !isActive(row)) return null;
    return row.account;
  }

  async count(): Promise<number> {
    return this.prisma.account.count();
  }
}
