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
//
// Dihedral matching: a query may carry the hashes of its frame's 8 rotations and mirrors (PDQ's dihedral
// hashes, src/safety/pdq/dihedral.ts); the closest bank hash to any of them is the match, so a flipped or
// rotated copy of a banked image is caught. 8 scans instead of 1: 10,000 hashes x 240 frames x 8 is
// ~150M word operations, a few hundred milliseconds (bench:safety's every-frame gate, < 2 s).
import type { DihedralHash, DihedralTransform } from "../pdq/dihedral.js";
import { hashWords, popcount32 } from "../pdq/hash256.js";

/** PDQ's match threshold: Hamming distance at most 31 of 256 bits. */
export const PDQ_MATCH_DISTANCE = 31;
/** PDQ's quality floor: hashes below it are not compared. */
export const PDQ_MIN_QUALITY = 50;

export interface BankEntry {
  hash: string;
  label: string;
  /** what the hash stands for (e.g. "csam"); the file format has none (the gate's category then) */
  category?: string;
  /** the stored entry's id (a database-backed bank), for incidents and audit records */
  id?: number;
}

export interface BankMatch {
  /** the label of the matching bank hash */
  label: string;
  /** the bank hash that matched (the closest one) */
  bankHash: string;
  /** Hamming distance between the query and bankHash */
  distance: number;
  /** which of the query's dihedral hashes matched; absent when its plain hash did (or it carried none) */
  transform?: DihedralTransform;
  /** the matching entry's category and id, where the bank has them */
  category?: string;
  entryId?: number;
}

export interface HashQuery {
  hash: string;
  quality: number;
  /** the frame's dihedral hashes (ORIGINAL included or not): each is matched, the closest wins */
  dihedral?: readonly DihedralHash[];
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
    this.entries = entries.map((e) => ({ ...e, hash: e.hash.toLowerCase() }));
    this.size = this.entries.length;
    this.words = new Uint32Array(this.size * 8);
    this.entries.forEach((e, i) => hashWords(e.hash, this.words, i * 8));
    this.description = options.description ?? `in-memory bank (${this.size} hashes)`;
  }

  async match(hash: string, quality: number): Promise<BankMatch | null> {
    return this.lookupOne(hash, quality).match;
  }

  async lookup(queries: readonly HashQuery[]): Promise<BankLookup[]> {
    return queries.map((q) => this.lookupOne(q.hash, q.quality, q.dihedral));
  }

  /** Synchronous lookup, for callers that hold this adapter itself. */
  lookupOne(hash: string, quality: number, dihedral?: readonly DihedralHash[]): BankLookup {
    if (!(quality >= this.minQuality)) return { skipped: true, match: null };
    let best = this.closest(hash, this.maxDistance);
    let transform: DihedralTransform | undefined;
    if (dihedral) {
      // The plain hash was matched above; a variant must be strictly closer to win (ties keep ORIGINAL).
      for (const variant of dihedral) {
        if (variant.transform === "ORIGINAL" || (best && best.distance === 0)) continue;
        const found = this.closest(variant.hash, best ? best.distance - 1 : this.maxDistance);
        if (found) { best = found; transform = variant.transform; }
      }
    }
    if (!best) return { skipped: false, match: null };
    const entry = this.entries[best.index]!;
    const match: BankMatch = { label: entry.label, bankHash: entry.hash, distance: best.distance };
    if (transform) match.transform = transform;
    if (entry.category !== undefined) match.category = entry.category;
    if (entry.id !== undefined) match.entryId = entry.id;
    return { skipped: false, match };
  }

  /** The first closest bank hash within `limit` (inclusive), or null. */
  private closest(hash: string, limit: number): { index: number; distance: number } | null {
    if (limit < 0) return null;
    const q = hashWords(hash);
    const q0 = q[0]!, q1 = q[1]!, q2 = q[2]!, q3 = q[3]!, q4 = q[4]!, q5 = q[5]!, q6 = q[6]!, q7 = q[7]!;
    const w = this.words;
    let best = limit; // a candidate must be <= best
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
    return bestIndex < 0 ? null : { index: bestIndex, distance: best };
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
