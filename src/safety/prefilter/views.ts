// Views: the second half of normalisation. A folded prompt is cut into words, and two views are built:
//   spaced:   separators collapsed: a run of single characters is one word (`p o r n`, `p.o.r.n` ->
//             `porn`), and so are words joined by masking characters (`n*ked`, `k_d`); every other word
//             boundary stays, so "Scunthorpe" is one word, not "cunt";
//   squashed: every non-letter removed (`po-rn`, `nu de` -> `porn`, `nude`). Matching there only counts
//             spans that start and end on a word boundary of the prompt (terms.ts), or "Essex" would
//             hold "sex".
// Masking characters (`*`, `_`, `.`, `?`, `#`, `%`) are recorded per gap: between two words with nothing
// else in the gap, each may stand for one letter ("k*d", "n_ked", "n.ked") or for nothing ("t.e.e.n");
// before or after a word (`*`, `_`, `#`, `%` only: a full stop ends sentences) each stands for one letter.
// Repeated letters (`pooorn`) and leetspeak are handled by terms.ts, which reads characters as classes.
import { LETTER_SYMBOLS, PRIMARY_LEET } from "./chars.js";
import { fold } from "./fold.js";

// Letters, digits, and the symbols leetspeak uses as letters. Apostrophes are deleted, not separators:
// "friend's ex" must not read as "s ex".
const WORD = new RegExp(`[\\p{L}\\p{N}${LETTER_SYMBOLS.replace(/[$|+]/g, "\\$&")}]+`, "gu");
const APOSTROPHE = /['\u2018\u2019\u02BC`]/g;
const DIGITS_ONLY = /^\p{N}+$/u;
const NON_LETTER = /[^\p{L}]/gu;
/** The most masking characters that count as letters in one gap ("n***d" is no word anyone reads). */
export const MAX_MASKS = 3;
const INNER_MASKS = /^[*_.?#%]{1,3}$/;
const LEADING_MASKS = /(?:^|[^*_#%])([*_#%]{1,3})$/;
const TRAILING_MASKS = /^([*_#%]{1,3})(?:$|[^*_#%])/;
const LEET_CHARS = new RegExp(`[0-9${LETTER_SYMBOLS.replace(/[$|+]/g, "\\$&")}]`);

export interface PromptViews {
  /** the folded text (fold.ts): NFKC, invisibles and marks removed, look-alikes mapped, lower case */
  folded: string;
  /** the words before leetspeak is read: digits stay digits (ages, "50 cent") */
  words: string[];
  /** per word: masks between it and the word before, when the gap holds nothing else (each: one letter or none) */
  innerMasks: number[];
  /** per word: masks right before it, after a space or the start (each: one letter) */
  leadingMasks: number[];
  /** per word: masks right after it, before a space or the end (each: one letter) */
  trailingMasks: number[];
  /** per word: the symbols trimmed before and after it, which may also be letters ("sk1r+") */
  edges: [string, string][];
  /** per word: whether a space (or the start of the prompt) comes before it */
  afterSpace: boolean[];
  /** the spaced view's words, leetspeak read, one entry per spaced word */
  spaced: string[];
  /** for each entry of `words`, the index of the spaced word that holds it */
  spacedIndexOf: number[];
  /** for each spaced word, the index of its first entry in `words` */
  firstWordOf: number[];
  /** for each spaced word, its text before leetspeak is read */
  spacedRaw: string[];
}

/** The whole normalisation: fold, cut into words, record masks, build the spaced view. */
export function views(prompt: string): PromptViews {
  const folded = fold(prompt).replace(APOSTROPHE, "");
  const words: string[] = [];
  const bounds: [number, number][] = [];
  const edges: [string, string][] = [];
  for (const match of folded.matchAll(WORD)) {
    // Leading `!` and trailing `!`, `|`, `@`, `+` are punctuation ("wow!", "18+") or letters ("533xu4|",
    // "sk1r+"): the word is read without them, and terms.ts also tries them as letters. A word of such
    // symbols alone ("!", "+" in "+ e e n") is a letter of a spelled-out run.
    const raw = match[0];
    const lead = /^!*/.exec(raw)![0].length;
    const body = raw.slice(lead).replace(/[!|@+]+$/, "");
    const word = body || raw;
    words.push(word);
    edges.push(body ? [raw.slice(0, lead), raw.slice(lead + body.length)] : ["", ""]);
    bounds.push([match.index, match.index + raw.length]);
  }
  const innerMasks: number[] = [], leadingMasks: number[] = [], trailingMasks: number[] = [], afterSpace: boolean[] = [];
  for (let i = 0; i < words.length; i++) {
    const before = folded.slice(i === 0 ? 0 : bounds[i - 1]![1], bounds[i]![0]);
    const after = folded.slice(bounds[i]![1], i + 1 < words.length ? bounds[i + 1]![0] : folded.length);
    // A full stop inside a run of single letters ("t.e.e.n", "U.S.A") separates them; it only masks a
    // letter next to a longer word ("n.ked").
    const rawLength = (k: number) => k < 0 ? 0 : [...edges[k]![0] + words[k]! + edges[k]![1]].length;
    const dotted = before.includes(".") && rawLength(i) === 1 && rawLength(i - 1) === 1;
    const inner = i > 0 && INNER_MASKS.test(before) && !dotted;
    innerMasks.push(inner ? before.length : 0);
    afterSpace.push(i === 0 || /\s/u.test(before));
    leadingMasks.push(inner ? 0 : (LEADING_MASKS.exec(before)?.[1]?.length ?? 0));
    const next = i + 1 < words.length && INNER_MASKS.test(after);
    trailingMasks.push(next ? 0 : (TRAILING_MASKS.exec(after)?.[1]?.length ?? 0));
  }
  const spaced: string[] = [];
  const spacedIndexOf: number[] = [];
  const firstWordOf: number[] = [];
  const spacedRaw: string[] = [];
  for (let i = 0; i < words.length;) {
    let end = i + 1;
    // Two or more single characters in a row were one word spelled out: "p o r n", "s.e.x", "5 3 x";
    // words joined by masks are one word with letters hidden: "n*ked", "k_d".
    const single = (k: number) => [...words[k]!].length === 1;
    while (end < words.length && (innerMasks[end]! > 0 || (single(end - 1) && single(end) && end - 1 >= i))) end++;
    const joined = words.slice(i, end).join("");
    firstWordOf.push(i);
    spacedRaw.push(joined);
    spaced.push(end - i > 1 ? readLeet(joined) : readWord(joined));
    for (let k = i; k < end; k++) spacedIndexOf.push(spaced.length - 1);
    i = end;
  }
  return { folded, words, edges, innerMasks, leadingMasks, trailingMasks, afterSpace, spaced, spacedIndexOf, firstWordOf, spacedRaw };
}

/** The spaced view as text: "p.o.r.n  star!" -> "porn star". */
export function spacedText(v: PromptViews): string {
  return v.spaced.join(" ");
}

/** The squashed view as text: every non-letter removed. "po-rn star" -> "pornstar". */
export function squashedText(v: PromptViews): string {
  return v.spaced.join("").replace(NON_LETTER, "");
}

/** Whether `word` is a bare number ("12", "50"): its digits stay digits unless it is spelled out. */
export function isNumber(word: string): boolean {
  return DIGITS_ONLY.test(word);
}

/** A word as the spaced view shows it: leetspeak read unless it is a bare number. */
export function readWord(word: string): string {
  return isNumber(word) ? word : readLeet(word);
}

/** Every leetspeak character read as its primary letter (terms.ts tries every reading). */
export function readLeet(text: string): string {
  if (!LEET_CHARS.test(text)) return text;
  let out = "";
  for (const ch of text) out += PRIMARY_LEET[ch] ?? ch;
  return out;
}

/** Repeated letters collapsed to one: "pooorn" -> "porn", "assassin" -> "asasin". */
export function collapseRepeats(text: string): string {
  let out = "";
  let last = "";
  for (const ch of text) {
    if (ch !== last) out += ch;
    last = ch;
  }
  return out;
}
