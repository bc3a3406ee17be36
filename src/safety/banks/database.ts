// The database-backed hash bank: the enabled rows of hash_bank_entries, held in memory as an
// InMemoryHashBank (the same matcher), plus an optional base bank (the KINEMA_HASH_BANK file). Each
// process polls hash_bank_set.version every `pollMs` (default: the safety rules' 1 s; one primary-key
// read) and, when it moved, reloads the enabled entries and swaps the matcher: an entry imported or
// added anywhere is matched by every running worker within one poll plus a reload, without a restart
// (test/hash-bank-store.test.ts measures it). A full reload, not a delta: a disabled entry must leave
// the matcher, and 100,000 rows reload in well under a second. A failed poll keeps the last bank.
import type { Sql } from "../../db/pool.js";
import { startPoller, type Poller } from "../../db/poller.js";
import type { Logger } from "../../log.js";
import { InMemoryHashBank, type BankLookup, type BankMatch, type HashBank, type HashQuery } from "./bank.js";
import { bankVersion, loadEnabledEntries } from "./store.js";

export interface DatabaseBankOptions {
  /** how often to poll the bank's version; 0: load once, never poll */
  pollMs: number;
  /** hashes that are always matched too (the configured file), or none */
  base?: HashBank | null;
}

export class DatabaseHashBank implements HashBank {
  private poller: Poller | null = null;
  private inFlight: Promise<boolean> | null = null;

  private constructor(private readonly sql: Sql, private readonly base: HashBank | null, private bank: InMemoryHashBank,
    private loadedVersion: number, private readonly log: Logger) {}

  static async open(sql: Sql, options: DatabaseBankOptions, log: Logger): Promise<DatabaseHashBank> {
    const { version, entries } = await loadEnabledEntries(sql);
    const bank = new DatabaseHashBank(sql, options.base ?? null, build(entries, version), version, log);
    if (options.pollMs > 0) {
      bank.poller = startPoller(options.pollMs, () => bank.refresh(), (error) => log.warn({ err: error }, "could not poll the hash bank"));
    }
    return bank;
  }

  /** the bank version in force in this process */
  get version(): number {
    return this.loadedVersion;
  }

  get size(): number {
    return this.bank.size + (this.base?.size ?? 0);
  }

  get description(): string {
    const db = `database bank v${this.loadedVersion} (${this.bank.size} hashes)`;
    return this.base ? `${db} + ${this.base.description}` : db;
  }

  /** Reloads if the stored version moved; true when a new bank was put in force. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.reload().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  stop(): void {
    this.poller?.stop();
    this.poller = null;
  }

  async match(hash: string, quality: number): Promise<BankMatch | null> {
    return (await this.lookup([{ hash, quality }]))[0]!.match;
  }

  async lookup(queries: readonly HashQuery[]): Promise<BankLookup[]> {
    const bank = this.bank; // one snapshot for the whole clip, whatever a reload does meanwhile
    const own = await bank.lookup(queries);
    if (!this.base || this.base.size === 0) return own;
    const other = await this.base.lookup(queries);
    return own.map((a, i) => {
      const b = other[i]!;
      if (a.skipped || !b.match) return a;
      return !a.match || b.match.distance < a.match.distance ? b : a;
    });
  }

  private async reload(): Promise<boolean> {
    if (await bankVersion(this.sql) === this.loadedVersion) return false;
    const { version, entries } = await loadEnabledEntries(this.sql);
    if (version <= this.loadedVersion) return false; // never step back (a slower reload finishing late)
    this.bank = build(entries, version);
    this.loadedVersion = version;
    this.log.info({ hashBankVersion: version, hashes: entries.length }, "hash bank reloaded");
    return true;
  }
}

function build(entries: ConstructorParameters<typeof InMemoryHashBank>[0], version: number): InMemoryHashBank {
  return new InMemoryHashBank(entries, { description: `database bank v${version} (${entries.length} hashes)` });
}
