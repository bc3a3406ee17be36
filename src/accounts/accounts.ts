// Accounts and their keys: creation (CLI, embedded demo) and authentication (API).
import type { Prisma } from "../db/prisma.js";
import type { Tier } from "../config/config.js";
import { isActive } from "./api-keys.js";
import { hashApiKey, newApiKey } from "./keys.js";

export type Role = "USER" | "ADMIN";

export interface Account { id: string; name: string; tier: Tier; role: Role; createdAt: Date }

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
