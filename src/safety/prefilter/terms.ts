// Finding terms in a prompt's views. A term ("porn", "revenge porn", "porn*") is read exactly like a
// prompt and kept as a run-length key (views.ts: rle), so spacing, leetspeak and repeated letters all
// meet the same form. Two ways to match:
//   - exact, on any span of whole words, their letters joined: the spaced view when the span is whole
//     spaced words ("porn", "p o r n", "revenge porn"), the squashed view when it is not ("po rn").
//     A span never starts or ends inside a word, which is what keeps "Scunthorpe", "cocktail", "Essex",
//     "grape" and "therapist" out: their letters hold a term, but no span of whole words is one;
//   - prefix (a term ending in `*`, one word only): the start of one spaced word ("pornstar").
// Every set of terms (a category's rules, the hard rule's word lists) lives in one index, so a prompt is
// scanned once: about 5 us for a golden prompt, 0.4 ms for an ordinary 2,000-character one.
import { hasAltReading, readLeet, readWord, rle, views, type PromptViews } from "./views.js";

export type View = "spaced" | "squashed";

/** A term's match: which entry, and the spaced words it covers (first and last index). */
export interface Hit<T> { payload: T; start: number; end: number; view: View }

export interface ParsedTerm { key: string; runs: number[]; prefix: boolean; words: number }

interface Entry<T> { runs: number[]; words: number; payload: T }

export const MIN_TERM_LETTERS = 3;
// A span longer than this is no term, however spaced out or stretched ("p o o o o r n" is 7 words);
// the caps bound the work an adversarial prompt can cause (1,000 one-letter words: under 2 ms).
const MAX_SPAN_WORDS = 40;
const MAX_SPAN_CHARS = 100;
const MIN_PREFIX_LETTERS = 4;

/** Reads a term the way prompts are read. Null when too little is left to match safely. */
export function parseTerm(text: string): ParsedTerm | null {
  const trimmed = text.trim();
  const prefix = trimmed.endsWith("*");
  const v = views(prefix ? trimmed.slice(0, -1) : trimmed);
  const { key, runs } = rle(v.spaced.join(""));
  const letters = runs.reduce((a, b) => a + b, 0);
  if (letters < (prefix ? MIN_PREFIX_LETTERS : MIN_TERM_LETTERS)) return null;
  if (prefix && v.spaced.length !== 1) return null;
  return { key, runs, prefix, words: v.spaced.length };
}

export class TermIndex<T> {
  private readonly exact = new Map<string, Entry<T>[]>();
  private readonly prefixes = new Map<string, Entry<T>[]>();
  private prefixLengths: number[] = [];
  /** every prefix of every exact key: a span whose key is not one can stop growing */
  private readonly stems = new Set<string>();

  add(term: ParsedTerm, payload: T): void {
    push(this.exact, term.key, { runs: term.runs, words: term.words, payload });
    for (let i = 1; i <= term.key.length; i++) this.stems.add(term.key.slice(0, i));
    if (term.prefix) {
      push(this.prefixes, term.key, { runs: term.runs, words: 1, payload });
      if (!this.prefixLengths.includes(term.key.length)) this.prefixLengths = [...this.prefixLengths, term.key.length].sort((a, b) => a - b);
    }
  }

  hits(v: PromptViews): Hit<T>[] {
    const out: Hit<T>[] = [];
    this.exactHits(v, out);
    this.prefixHits(v, out);
    return out;
  }

  private exactHits(v: PromptViews, out: Hit<T>[]): void {
    const { words, spacedIndexOf, firstWordOf } = v;
    const n = words.length;
    // How each word is read inside a span: leetspeak read, except that a bare number stays a number
    // ("5 ex" is not "sex") unless it is one letter of a spelled-out run ("5 3 x", "c 0 n 5 3 n 7").
    const spelled = words.map((_, j) => (firstWordOf[spacedIndexOf[j]! + 1] ?? n) - firstWordOf[spacedIndexOf[j]!]! > 1);
    const read = words.map((w, j) => (spelled[j] ? readLeet(w) : readWord(w)));
    const readAlt = words.map((w, j) => (spelled[j] ? readLeet(w, true) : readWord(w, true)));
    for (let i = 0; i < n; i++) {
      const primary = new Runs(), alt = new Runs();
      let ambiguous = false; // the span holds a 1 or |, which reads as i or l
      for (let j = i; j < n && j - i < MAX_SPAN_WORDS && primary.length < MAX_SPAN_CHARS; j++) {
        primary.push(read[j]!);
        alt.push(readAlt[j]!);
        ambiguous ||= read[j] !== readAlt[j];
        const first = spacedIndexOf[i]!, last = spacedIndexOf[j]!;
        // Spaced view: the span is whole spaced words, as many as the term has ("p o r n", "revenge porn").
        const aligned = firstWordOf[first] === i && (j === n - 1 || spacedIndexOf[j + 1] !== last);
        const spacedWords = aligned ? last - first + 1 : 0;
        let growing = this.matchExact(primary, first, last, spacedWords, out);
        if (ambiguous) growing = this.matchExact(alt, first, last, spacedWords, out) || growing;
        if (!growing) break;
      }
    }
  }

  /** Records the entries `span` matches; true while a longer span could still match something. */
  private matchExact(span: Runs, start: number, end: number, spacedWords: number, out: Hit<T>[]): boolean {
    for (const entry of this.exact.get(span.key) ?? []) {
      const view: View = entry.words === spacedWords ? "spaced" : "squashed";
      if (covers(span.runs, entry.runs)) out.push({ payload: entry.payload, start, end, view });
    }
    return this.stems.has(span.key);
  }

  private prefixHits(v: PromptViews, out: Hit<T>[]): void {
    if (this.prefixLengths.length === 0) return;
    v.spaced.forEach((word, k) => {
      const raw = v.spacedRaw[k]!;
      const spelledOut = (v.firstWordOf[k + 1] ?? v.words.length) - v.firstWordOf[k]! > 1;
      const readings = [word];
      if (hasAltReading(raw)) readings.push(spelledOut ? readLeet(raw, true) : readWord(raw, true));
      for (const reading of readings) {
        const { key, runs } = rle(reading);
        for (const length of this.prefixLengths) {
          if (length > key.length) break;
          for (const entry of this.prefixes.get(key.slice(0, length)) ?? []) {
            if (covers(runs, entry.runs)) out.push({ payload: entry.payload, start: k, end: k, view: "spaced" });
          }
        }
      }
    });
  }
}

/** A span's letters in run-length form (views.ts: rle), grown a word at a time. */
class Runs {
  key = "";
  runs: number[] = [];
  length = 0;
  private last = "";

  push(text: string): void {
    for (const ch of text) {
      this.length++;
      if (ch === this.last) this.runs[this.runs.length - 1]!++;
      else {
        this.key += ch;
        this.runs.push(1);
        this.last = ch;
      }
    }
  }
}

/** Whether text runs are each at least the term's (the text's key starts with the term's key). */
function covers(textRuns: number[], termRuns: number[]): boolean {
  for (let i = 0; i < termRuns.length; i++) if ((textRuns[i] ?? 0) < termRuns[i]!) return false;
  return true;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
