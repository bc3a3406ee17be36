// `kinema bank import`'s work: a hash-list file (src/safety/banks/hash-list.ts) into hash_bank_entries.
// The good lines are imported in one statement (all or none of them), the bad ones reported with their
// line numbers; entries already in the bank (same hash and category) are left as they are, a disabled
// one included (an admin disabled it on purpose), so re-importing a list changes nothing.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Sql } from "../../db/pool.js";
import { parseHashList, type HashListProblem } from "./hash-list.js";
import { importEntries, type BankActor } from "./store.js";

export const BANK_CATEGORY_RE = /^[a-z][a-z0-9_-]{0,31}$/;
export const DEFAULT_BANK_CATEGORY = "csam";

export interface ImportReport {
  file: string;
  source: string;
  category: string;
  /** good lines (each distinct hash once) */
  hashes: number;
  inserted: number;
  alreadyPresent: number;
  /** lines repeating a hash of the same file */
  duplicates: number;
  problems: HashListProblem[];
  /** the bank version after the import */
  version: number;
}

export class BankImportError extends Error {}

export async function importHashListFile(sql: Sql, file: string, options: { category?: string; source?: string; actor: BankActor }): Promise<ImportReport> {
  const category = options.category ?? DEFAULT_BANK_CATEGORY;
  if (!BANK_CATEGORY_RE.test(category)) throw new BankImportError(`--category must be lowercase letters, digits, - or _ (1-32, a letter first): ${JSON.stringify(category)}`);
  const source = (options.source ?? basename(file)).trim();
  if (!source || source.length > 200) throw new BankImportError("--source must be 1 to 200 characters");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BankImportError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const parsed = parseHashList(text);
  const rows = parsed.entries.map((e) => ({ hash: e.hash, quality: e.quality, label: e.label ?? `${source}:${e.line}` }));
  const outcome = rows.length > 0
    ? await importEntries(sql, rows, { category, source }, options.actor)
    : { inserted: 0, alreadyPresent: 0, version: NaN };
  return { file, source, category, hashes: rows.length, ...outcome, duplicates: parsed.duplicates, problems: parsed.problems };
}
