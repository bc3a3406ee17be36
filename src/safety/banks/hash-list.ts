// The hash-list files `kinema bank import` reads: the plain forms PDQ hash lists are shared in
// (ThreatExchange's PDQ tools print `hash,quality,filename`; many lists are one hash per line).
//
//   - one PDQ hash per line: 64 hex digits (either case);
//   - optionally followed, comma- or tab-separated, by the hash's quality (an integer 0..100) and then a
//     label (the rest of the line, e.g. the file name): `hash`, `hash,quality`, `hash,quality,label`;
//     a second field that is not a number is a label (kinema's own bank files: `hash,label`);
//   - blank lines and lines starting with `#` are ignored; so is a header line before the first hash
//     whose first field is a column name (hash, pdq, pdq_hash, signal, signal_value).
//
// Every bad line is reported with its number and why (PDQ's rule: a hash of quality below 50 says too
// little about its image and is never compared, so it is refused too); the good lines are kept. A hash
// repeated in the file is kept once.
import { isPdqHash } from "../pdq/hash256.js";
import { PDQ_MIN_QUALITY } from "./bank.js";

export interface HashListEntry {
  /** 1-based line number in the file */
  line: number;
  hash: string;
  quality: number | null;
  label: string | null;
}

export interface HashListProblem {
  line: number;
  message: string;
}

export interface ParsedHashList {
  entries: HashListEntry[];
  problems: HashListProblem[];
  /** lines repeating a hash already listed */
  duplicates: number;
}

const HEADER_NAMES = new Set(["hash", "pdq", "pdq_hash", "pdqhash", "signal", "signal_value"]);
const MAX_LABEL_LENGTH = 500;

export function parseHashList(text: string): ParsedHashList {
  const entries: HashListEntry[] = [];
  const problems: HashListProblem[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!.trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const line = n + 1;
    const fields = raw.split(/\t|,/).map((f) => f.trim());
    const first = fields[0]!;
    if (entries.length === 0 && problems.length === 0 && HEADER_NAMES.has(first.toLowerCase())) continue;
    if (!isPdqHash(first)) {
      problems.push({ line, message: `not a PDQ hash (64 hex digits): ${JSON.stringify(first.length > 70 ? `${first.slice(0, 70)}...` : first)}` });
      continue;
    }
    let quality: number | null = null;
    let labelFields = fields.slice(1);
    if (fields.length > 1 && /^-?\d+$/.test(fields[1]!)) {
      quality = Number(fields[1]);
      labelFields = fields.slice(2);
      if (quality < 0 || quality > 100) {
        problems.push({ line, message: `quality ${quality} is not 0..100` });
        continue;
      }
      if (quality < PDQ_MIN_QUALITY) {
        problems.push({ line, message: `quality ${quality} is below PDQ's floor (${PDQ_MIN_QUALITY}): such a hash is never compared` });
        continue;
      }
    }
    const label = labelFields.join(",").trim() || null;
    if (label && label.length > MAX_LABEL_LENGTH) {
      problems.push({ line, message: `label longer than ${MAX_LABEL_LENGTH} characters` });
      continue;
    }
    const hash = first.toLowerCase();
    if (seen.has(hash)) {
      duplicates++;
      continue;
    }
    seen.add(hash);
    entries.push({ line, hash, quality, label });
  }
  return { entries, problems, duplicates };
}
