// What the admin API calls for the hash bank: list, add and disable entries (ADMIN only: the
// authorisation matrix checks the role first). Each change bumps the bank's version and appends its
// audit_log row in its own statement (store.ts); every worker reloads at its next poll (database.ts).
import type { Account } from "../../accounts/accounts.js";
import type { Sql } from "../../db/pool.js";
import type { UserError } from "../../jobs/validate.js";
import { isPdqHash } from "../pdq/hash256.js";
import { PDQ_MIN_QUALITY } from "./bank.js";
import { BANK_CATEGORY_RE } from "./importer.js";
import { bankVersion, disableEntry, entryExists, insertEntry, listEntries, type BankActor, type HashBankRecord } from "./store.js";

export interface HashBankPayload { entry: HashBankRecord | null; userErrors: UserError[] }
export interface AddHashBankEntryInput { hash: string; category: string; label: string; quality?: number | null; source?: string | null }
export interface ListHashBankInput { category?: string | null; includeDisabled?: boolean | null; first?: number | null; before?: string | null }

const MAX_LIST = 500;

export class HashBankAdmin {
  constructor(private readonly sql: Sql) {}

  version(): Promise<number> {
    return bankVersion(this.sql);
  }

  list(input: ListHashBankInput): Promise<HashBankRecord[]> {
    const first = Math.min(Math.max(input.first ?? 50, 1), MAX_LIST);
    const beforeId = input.before && /^\d{1,9}$/.test(input.before) ? Number(input.before) : null;
    return listEntries(this.sql, { category: input.category ?? null, includeDisabled: input.includeDisabled ?? false, first, beforeId });
  }

  async add(admin: Account, input: AddHashBankEntryInput, reason: string | null): Promise<HashBankPayload> {
    const hash = input.hash.trim().toLowerCase();
    if (!isPdqHash(hash)) return refused("INVALID_INPUT", "A PDQ hash is 64 hex digits.", ["input", "hash"]);
    if (!BANK_CATEGORY_RE.test(input.category)) return refused("INVALID_INPUT", "The category is 1 to 32 lowercase letters, digits, - or _, a letter first (e.g. csam).", ["input", "category"]);
    const label = input.label.trim();
    if (!label || label.length > 500) return refused("INVALID_INPUT", "The label is 1 to 500 characters.", ["input", "label"]);
    const quality = input.quality ?? null;
    if (quality !== null && (!Number.isInteger(quality) || quality < PDQ_MIN_QUALITY || quality > 100)) {
      return refused("INVALID_INPUT", `The quality is ${PDQ_MIN_QUALITY} to 100 (PDQ never compares hashes below ${PDQ_MIN_QUALITY}).`, ["input", "quality"]);
    }
    const source = input.source?.trim() || "admin";
    if (source.length > 200) return refused("INVALID_INPUT", "The source is at most 200 characters.", ["input", "source"]);
    const entry = await insertEntry(this.sql, { hash, category: input.category, label, quality, source }, actorOf(admin, reason));
    if (!entry) return refused("DUPLICATE_ENTRY", `This hash is already in the bank under ${input.category}.`, ["input", "hash"]);
    return { entry, userErrors: [] };
  }

  async disable(admin: Account, id: string, reason: string | null): Promise<HashBankPayload> {
    const numeric = /^\d{1,9}$/.test(id) ? Number(id) : null;
    const entry = numeric === null ? null : await disableEntry(this.sql, numeric, actorOf(admin, reason));
    if (entry) return { entry, userErrors: [] };
    if (numeric !== null && await entryExists(this.sql, numeric)) return refused("ALREADY_DISABLED", `Entry ${id} is already disabled.`, ["id"]);
    return refused("NOT_FOUND", `No hash bank entry with id ${JSON.stringify(id)}.`, ["id"]);
  }
}

function actorOf(admin: Account, reason: string | null): BankActor {
  return { id: admin.id, accountId: admin.id, role: admin.role, reason };
}

function refused(code: string, message: string, field: string[]): HashBankPayload {
  return { entry: null, userErrors: [{ code, message, field }] };
}
