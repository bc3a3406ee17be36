// The hash bank: known hashes (with a label each) that the CSAM gate matches frames against. A port, so
// that a hosted matching service can replace the file; the default adapter holds a file's hashes in memory.
//
// PDQ's rules: a match is a Hamming distance <= 31; a hash of quality < 50 says too little about its
// image to be compared at all, so such a query is skipped (and reported as skipped, never as clean).
//
// Matching: a linear scan over the bank held as one Uint32Array (8 words of 32 bits per hash), XOR and
// a 32-bit popcount per word, abandoning a candidate as soon as its running distance passes the best so
// far. About 8 word operations per bank hash: 10,000 hashes x 240 frames is ~20M word operations, tens
// of milliseconds. A much larger bank would want multi-index hashing (ThreatExchange's MIH); the port
// leaves room for it.
import { readFile } from "node:fs/promises";
import { hashWords, popcount32 } from "../pdq/hash256.js";

/** PDQ's match threshold: Hamming distance at most 31 of 256 bits. */
export const PDQ_MATCH_DISTANCE = 31;
/** PDQ's quality floor: hashes below it are not compared. */
export const PDQ_MIN_QUALITY = 50;

export interface BankEntry {
  hash: string;
  label: string;
}

export interface BankMatch {
  /** the label of the matching bank hash */
  label: string;
  /** the bank hash that matched (the closest one) */
  bankHash: string;
  /** Hamming distance between the query and bankHash */
  distance: number;
}

export interface HashQuery {
  hash: string;
  quality: number;
}

/** One query's outcome: skipped (quality below the floor: not compared), or compared, with a match or none. */
export type BankLookup = { skipped: true; match: null } | { skipped: false; match: BankMatch | null };

export interface HashBank {
  /** for reports: where the hashes come from */
  readonly description: string;
  /** number of hashes in the bank */
  readonly size: number;
  /** The closest bank hash within the match distance, or null (also null for a skipped query). */
  match(hash: string, quality: number): Promise<BankMatch | null>;
  /** One outcome per query, in order. */
  lookup(queries: readonly HashQuery[]): Promise<BankLookup[]>;
}

export interface BankOptions {
  maxDistance?: number;
  minQuality?: number;
  description?: string;
}

export class HashBankFormatError extends Error {}

/** The default adapter: hashes held in memory, matched by a linear popcount scan. */
export class InMemoryHashBank implements HashBank {
  readonly description: string;
  readonly size: number;
  readonly maxDistance: number;
  readonly minQuality: number;
  private readonly words: Uint32Array;
  private readonly entries: BankEntry[];

  constructor(entries: readonly BankEntry[], options: BankOptions = {}) {
    this.maxDistance = options.maxDistance ?? PDQ_MATCH_DISTANCE;
    this.minQuality = options.minQuality ?? PDQ_MIN_QUALITY;
    this.entries = entries.map((e) => ({ hash: e.hash.toLowerCase(), label: e.label }));
    this.size = this.entries.length;
    this.words = new Uint32Array(this.size * 8);
    this.entries.forEach((e, i) => hashWords(e.hash, this.words, i * 8));
    this.description = options.description ?? `in-memory bank (${this.size} hashes)`;
  }

  async match(hash: string, quality: number): Promise<BankMatch | null> {
    return this.lookupOne(hash, quality).match;
  }

  async lookup(queries: readonly HashQuery[]): Promise<BankLookup[]> {
    return queries.map((q) => this.lookupOne(q.hash, q.quality));
  }

  /** Synchronous lookup, for callers that hold this adapter itself. */
  lookupOne(hash: string, quality: number): BankLookup {
    if (!(quality >= this.minQuality)) return { skipped: true, match: null };
    const q = hashWords(hash);
    const q0 = q[0]!, q1 = q[1]!, q2 = q[2]!, q3 = q[3]!, q4 = q[4]!, q5 = q[5]!, q6 = q[6]!, q7 = q[7]!;
    const w = this.words;
    let best = this.maxDistance; // a candidate must be <= best
    let bestIndex = -1;
    for (let i = 0, o = 0; i < this.size; i++, o += 8) {
      let d = popcount32(q0 ^ w[o]!) + popcount32(q1 ^ w[o + 1]!) + popcount32(q2 ^ w[o + 2]!) + popcount32(q3 ^ w[o + 3]!);
      if (d > best) continue;
      d += popcount32(q4 ^ w[o + 4]!) + popcount32(q5 ^ w[o + 5]!) + popcount32(q6 ^ w[o + 6]!) + popcount32(q7 ^ w[o + 7]!);
      if (d > best || (d === best && bestIndex >= 0)) continue; // ties: the first in the bank
      best = d;
      bestIndex = i;
      if (d === 0) break;
    }
    if (bestIndex < 0) return { skipped: false, match: null };
    const entry = this.entries[bestIndex]!;
    return { skipped: false, match: { label: entry.label, bankHash: entry.hash, distance: best } };
  }
}

/**
 * Parses a bank file: one `hexhash,label` per line (64 hex digits; the label is the rest of the line,
 * trimmed, and must not be empty); blank lines and lines starting with `#` are ignored. Throws
 * HashBankFormatError naming the first bad line.
 */
export function parseHashBank(text: string, source = "hash bank"): BankEntry[] {
  const entries: BankEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const comma = line.indexOf(",");
    const hash = (comma < 0 ? line : line.slice(0, comma)).trim().toLowerCase();
    const label = comma < 0 ? "" : line.slice(comma + 1).trim();
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new HashBankFormatError(`${source}:${n + 1}: not a PDQ hash (64 hex digits): ${hash.slice(0, 80)}`);
    if (!label) throw new HashBankFormatError(`${source}:${n + 1}: missing label (expected "hexhash,label")`);
    entries.push({ hash, label });
  }
  return entries;
}

/** Writes entries in the bank file format. */
export function formatHashBank(entries: readonly BankEntry[], comment?: string): string {
  const head = comment ? comment.split("\n").map((l) => `# ${l}\n`).join("") : "";
  return head + entries.map((e) => `${e.hash},${e.label}\n`).join("");
}

/** The file-backed default: reads and parses the file once. */
export async function loadHashBankFile(path: string, options: Omit<BankOptions, "description"> = {}): Promise<InMemoryHashBank> {
  const text = await readFile(path, "utf8");
  const entries = parseHashBank(text, path);
  return new InMemoryHashBank(entries, { ...options, description: `${path} (${entries.length} hashes)` });
}
