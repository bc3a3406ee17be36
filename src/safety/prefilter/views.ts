// Views: the second half of normalisation. A folded prompt is cut into words, leetspeak is read back as
// letters inside words, and two views are built:
//   spaced:   separators collapsed: a run of single characters is one word (`p o r n`, `p.o.r.n` ->
//             `porn`), every other word boundary stays, so "Scunthorpe" is one word, not "cunt";
//   squashed: every non-letter removed (`po-rn`, `nu de` -> `porn`, `nude`). Matching there only counts
//             spans that start and end on a word boundary of the prompt (terms.ts), or "Essex" would
//             hold "sex".
// Repeated letters (`pooorn`) are handled by matching on run-length keys (rle below, used by terms.ts).
import { fold } from "./fold.js";

// Letters, digits, and the symbols leetspeak uses as letters. Apostrophes are deleted, not separators:
// "friend's ex" must not read as "s ex".
const WORD = /[\p{L}\p{N}@$!|]+/gu;
const APOSTROPHE = /['\u2018\u2019\u02BC`]/g;
const DIGITS_ONLY = /^\p{N}+$/u;
const NON_LETTER = /[^\p{L}]/gu;

// Leetspeak read as letters. `1` and `|` can be either i or l (l1ck, 1oli): the alternative reading
// is tried too when a word holds one (LEET_ALT).
const LEET: Readonly<Record<string, string>> = {
  "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
  "@": "a", "$": "s", "!": "i", "|": "l",
};
const LEET_ALT: Readonly<Record<string, string>> = { ...LEET, "1": "l", "|": "i" };
const AMBIGUOUS = /[1|]/;
const LEET_CHARS = /[0-9@$!|]/;

export interface PromptViews {
  /** the folded text (fold.ts): NFKC, invisibles and marks removed, look-alikes mapped, lower case */
  folded: string;
  /** the words before leetspeak is read: digits stay digits (ages, "50 cent") */
  words: string[];
  /** the spaced view's words, leetspeak read, one entry per spaced word */
  spaced: string[];
  /** for each entry of `words`, the index of the spaced word that holds it */
  spacedIndexOf: number[];
  /** for each spaced word, the index of its first entry in `words` */
  firstWordOf: number[];
  /** for each spaced word, its text before leetspeak is read (for the second reading of 1 and |) */
  spacedRaw: string[];
}

/** The whole normalisation: fold, cut into words, build the spaced view. */
export function views(prompt: string): PromptViews {
  const folded = fold(prompt).replace(APOSTROPHE, "");
  const words: string[] = [];
  for (const match of folded.matchAll(WORD)) {
    // Trailing `!` and `|` are punctuation ("wow!"), leading `!` too; `$` and `@` may start a word ($ex).
    const word = match[0].replace(/^!+/, "").replace(/[!|@]+$/, "");
    if (word) words.push(word);
  }
  const spaced: string[] = [];
  const spacedIndexOf: number[] = [];
  const firstWordOf: number[] = [];
  const spacedRaw: string[] = [];
  for (let i = 0; i < words.length;) {
    let end = i + 1;
    // Two or more single characters in a row were one word spelled out: "p o r n", "s.e.x", "5 3 x".
    if ([...words[i]!].length === 1) while (end < words.length && [...words[end]!].length === 1) end++;
    const joined = words.slice(i, end).join("");
    firstWordOf.push(i);
    spacedRaw.push(joined);
    spaced.push(end - i > 1 ? readLeet(joined) : readWord(joined));
    for (let k = i; k < end; k++) spacedIndexOf.push(spaced.length - 1);
    i = end;
  }
  return { folded, words, spaced, spacedIndexOf, firstWordOf, spacedRaw };
}

/** The spaced view as text: "p.o.r.n  star!" -> "porn star". */
export function spacedText(v: PromptViews): string {
  return v.spaced.join(" ");
}

/** The squashed view as text: every non-letter removed. "po-rn star" -> "pornstar". */
export function squashedText(v: PromptViews): string {
  return v.spaced.join("").replace(NON_LETTER, "");
}

/** A word as matched: leetspeak read unless it is a bare number ("12", "50"), which stays a number. */
export function readWord(word: string, alt = false): string {
  return DIGITS_ONLY.test(word) ? word : readLeet(word, alt);
}

/** Every leetspeak character read as its letter (the primary reading of 1 and |). */
export function readLeet(text: string, alt = false): string {
  if (!LEET_CHARS.test(text)) return text;
  const table = alt ? LEET_ALT : LEET;
  let out = "";
  for (const ch of text) out += table[ch] ?? ch;
  return out;
}

/** Whether `text` has a second leetspeak reading (it holds a 1 or a |). */
export function hasAltReading(text: string): boolean {
  return AMBIGUOUS.test(text);
}

/** Repeated letters collapsed to one: "pooorn" -> "porn", "assassin" -> "asasin". */
export function collapseRepeats(text: string): string {
  return rle(text).key;
}

/**
 * Run-length form: the letters with repeats collapsed, and how long each run was. A term matches text
 * with the same key whose every run is at least the term's: "pooorn" matches "porn", "kiiill" matches
 * "kill", but "as" never matches "ass" (a term's own double letters are required).
 */
export function rle(text: string): { key: string; runs: number[] } {
  let key = "";
  const runs: number[] = [];
  let last = "";
  for (const ch of text) {
    if (ch === last) runs[runs.length - 1]!++;
    else {
      key += ch;
      runs.push(1);
      last = ch;
    }
  }
  return { key, runs };
}
