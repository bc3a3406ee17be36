// Finding terms in a prompt's views. A term ("porn", "revenge porn", "porn*", "12 year old") is read like
// a prompt and stored once, as plain letters, in a trie. A prompt is walked through the trie with a set
// of states, one character at a time, each character read as its class (chars.ts: t33n, n@ked, 1|2 yo),
// so every substitution works at every position of every term, in any combination:
//   - repeated letters: a letter equal to the one just read may also keep the state where it is, so
//     "teeeen" meets "teen" while "as" never meets "ass" (a term's own double letters are required);
//   - masks (views.ts): each masking character between, before or after words may be any one letter, or
//     (between words) nothing. One span reads all its between-word masks the same way, as letters or as
//     separators, so "t.e.e.n" is teen and "n*k*d" naked, while "G.r.e.t.a" never becomes "gore" by
//     reading one dot as an "o" and the next as nothing. A state that used masks needs at least two real
//     letters and no more masks than real letters ("k*d" is kid; "s**" and "***" are nothing);
//   - exact matches end on a word end and start on a word start: the spaced view when the span is whole
//     spaced words ("porn", "p o r n", "revenge porn"), the squashed view when it is not ("po rn"). A span
//     never starts or ends inside a word, which keeps "Scunthorpe", "cocktail", "Essex", "grape" and
//     "therapist" out: their letters hold a term, but no span of whole words is one;
//   - prefix terms (one word ending in `*`) match the start of one spaced word ("pornstar", "p*rnstar").
// Every set of terms lives in one index, so a prompt is walked once per word start.
import { readings } from "./chars.js";
import { collapseRepeats, isNumber, readLeet, views, type PromptViews } from "./views.js";

export type View = "spaced" | "squashed";

/** A term's match: which entry, the spaced words it covers (first and last index), and the words (views.ts `words`). */
export interface Hit<T> { payload: T; start: number; end: number; view: View; from: number; to: number; prefix?: boolean }

export interface ParsedTerm { letters: string; prefix: boolean; words: number }

interface Entry<T> { words: number; payload: T }

export const MIN_TERM_LETTERS = 3;
// A span longer than this is no term, however spaced out or stretched ("p o o o o r n" is 7 words);
// the caps bound the work an adversarial prompt can cause.
const MAX_SPAN_WORDS = 40;
const MAX_SPAN_CHARS = 100;
const MIN_PREFIX_LETTERS = 4;
/** What may follow a prefix term in the last word of a split span ("undres sing", "pedo philia"). */
const SUFFIXES = new Set([
  "", "s", "es", "ed", "d", "ing", "ings", "er", "ers", "y", "ies", "ism", "isms", "ist", "ists", "ic", "ia", "iac",
  "ation", "ations", "ated", "ate", "ates", "ize", "ized", "ise", "ised", "ly", "ment", "ness", "al", "ous",
]);
/** Whether `rest` reads as an ending, with 1, | and ! read as i too ("$|n9" is "sing"). */
function isSuffix(rest: string): boolean {
  return SUFFIXES.has(collapseRepeats(readLeet(rest))) || SUFFIXES.has(collapseRepeats(readLeet(rest.replace(/[1|!]/g, "i"))));
}

/** Live states per span; far above what any prompt reaches (ambiguous characters are pruned per letter). */
const MAX_STATES = 256;

/** Reads a term the way prompts are read. Null when too little is left to match safely. */
export function parseTerm(text: string): ParsedTerm | null {
  const trimmed = text.trim();
  const prefix = trimmed.endsWith("*");
  const v = views(prefix ? trimmed.slice(0, -1) : trimmed);
  if (v.innerMasks.some((m) => m > 0) || v.leadingMasks.some((m) => m > 0) || v.trailingMasks.some((m) => m > 0)) return null;
  const letters = v.spaced.join("");
  if ([...letters].length < (prefix ? MIN_PREFIX_LETTERS : MIN_TERM_LETTERS)) return null;
  if (prefix && v.spaced.length !== 1) return null;
  return { letters, prefix, words: v.spaced.length };
}

class Node<T> {
  readonly children = new Map<string, Node<T>>();
  exact: Entry<T>[] | null = null;
  prefix: Entry<T>[] | null = null;
  constructor(readonly letter: string, readonly id: number) {}
}

/** How a span reads its between-word masks: not met yet, as letters, or as separators. */
const enum Masks { Undecided, Letters, Separators }

/** A walk's position: the trie node, how many of its letters were masks and how many real, and its mask reading. */
interface State<T> { node: Node<T>; wild: number; real: number; masks: Masks; afterMask: boolean }

export class TermIndex<T> {
  private nodes = 0;
  private readonly root = new Node<T>("", this.nodes++);

  add(term: ParsedTerm, payload: T): void {
    let node = this.root;
    for (const ch of term.letters) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, next = new Node<T>(ch, this.nodes++));
      node = next;
    }
    const entry = { words: term.words, payload };
    // A prefix term is also an exact one, so it matches split across words too ("po rn").
    (node.exact ??= []).push(entry);
    if (term.prefix) (node.prefix ??= []).push(entry);
  }

  hits(v: PromptViews): Hit<T>[] {
    const out: Hit<T>[] = [];
    const { words, spacedIndexOf, firstWordOf } = v;
    const n = words.length;
    // A bare number stays a number ("5 ex" is not "sex") unless it is one letter of a spelled-out run.
    // ("7" is a number; "7@", "!7", "0|" are not: their symbols make them leetspeak.)
    const literal = words.map((w, j) => isNumber(w) && !v.edges[j]![0] && !v.edges[j]![1] && (firstWordOf[spacedIndexOf[j]! + 1] ?? n) - firstWordOf[spacedIndexOf[j]!]! === 1);
    for (let i = 0; i < n; i++) {
      const first = spacedIndexOf[i]!;
      const wordStart = firstWordOf[first] === i; // prefix terms only start on a spaced word's start
      let states: State<T>[] = [{ node: this.root, wild: 0, real: 0, masks: Masks.Undecided, afterMask: false }];
      if (v.leadingMasks[i]! > 0) states = states.concat(this.masked(states, v.leadingMasks[i]!));
      let chars = 0;
      for (let j = i; j < n && j - i < MAX_SPAN_WORDS && chars < MAX_SPAN_CHARS; j++) {
        const prefixable = wordStart && spacedIndexOf[j] === first;
        const word = words[j]!;
        // A prefix term within one spaced word ("pornstar"); across words only when what follows it in
        // its last word is an ending ("undres sing"), never any word ("in fantasy" is no infant*).
        const prefixes = (restFrom: number) => {
          if (!prefixable && !(wordStart && j > i)) return;
          let across: boolean | null = null;
          for (const s of states) {
            if (!s.node.prefix || !usable(s)) continue;
            across ??= !prefixable && isSuffix(word.slice(restFrom));
            if (!prefixable && !across) return;
            for (const e of s.node.prefix) out.push({ payload: e.payload, start: first, end: across ? spacedIndexOf[j]! : first, view: across ? "squashed" : "spaced", from: i, to: j, prefix: true });
          }
        };
        // Masks read as letters only in a span that starts after a space: "a k*d", not the "i*o" of "t*i*o".
        if (j > i && v.innerMasks[j]! > 0) {
          states = this.innerGap(states, v.afterSpace[i] ? v.innerMasks[j]! : 0);
          prefixes(0); // "undres.ing": the prefix ends on the mask
        }
        const [lead, trail] = v.edges[j]!;
        const isLiteral = literal[j]!;
        // The word's characters, its trimmed edge symbols optional (read as a letter, or skipped).
        const total = lead.length + word.length + trail.length;
        for (let k = 0; k < total; k++) {
          const inWord = k >= lead.length && k < lead.length + word.length;
          const ch = inWord ? word[k - lead.length]! : k < lead.length ? lead[k]! : trail[k - lead.length - word.length]!;
          const next = this.step(states, readings(ch, isLiteral));
          states = inWord ? next : merge(states, next);
          chars++;
          if (states.length === 0) break;
          prefixes(Math.min(word.length, Math.max(0, k - lead.length + 1)));
        }
        if (states.length === 0) break;
        const last = spacedIndexOf[j]!;
        // Spaced view: the span is whole spaced words, as many as the term has ("p o r n", "revenge porn").
        const aligned = firstWordOf[first] === i && (j === n - 1 || spacedIndexOf[j + 1] !== last);
        const spacedWords = aligned ? last - first + 1 : 0;
        const ends = v.trailingMasks[j]! > 0 ? states.concat(this.masked(states, v.trailingMasks[j]!)) : states;
        for (const s of ends) {
          if (!s.node.exact || !usable(s)) continue;
          for (const e of s.node.exact) out.push({ payload: e.payload, start: first, end: last, view: e.words === spacedWords ? "spaced" : "squashed", from: i, to: j });
        }
      }
    }
    return segmented(dedupe(out), v);
  }

  /** One character read as each of its `letters`: advance to a child, or stay on a repeated letter. */
  private step(states: State<T>[], letters: readonly string[]): State<T>[] {
    if (states.length === 1 && letters.length === 1) {
      // The common case (plain text): one state, one reading, no allocation beyond the result.
      const s = states[0]!, letter = letters[0]!;
      const child = s.node.children.get(letter);
      const moved = child ? { node: child, wild: s.wild, real: s.real + 1, masks: s.masks, afterMask: false } : null;
      // A repeat stays put, but not right after a mask: "g.r.e" must not read as "go r e(e)" = gore.
      if (letter === s.node.letter && !s.afterMask) return moved ? [s, moved] : [s];
      return moved ? [moved] : [];
    }
    const next: State<T>[] = [];
    const seen = new Set<number>();
    const keep = (s: State<T>) => {
      const key = ((s.node.id * 8 + Math.min(s.wild, 7)) * 3 + s.masks) * 2 + (s.afterMask ? 1 : 0);
      if (seen.has(key) || next.length >= MAX_STATES) return;
      seen.add(key);
      next.push(s);
    };
    for (const s of states) {
      for (const letter of letters) {
        if (letter === s.node.letter && !s.afterMask) keep(s);
        const child = s.node.children.get(letter);
        if (child) keep({ node: child, wild: s.wild, real: s.real + 1, masks: s.masks, afterMask: false });
      }
    }
    return next;
  }

  /** Masks between two words: letters or nothing, as the span already reads them (or both, while undecided). */
  private innerGap(states: State<T>[], count: number): State<T>[] {
    const separators = states.filter((s) => s.masks !== Masks.Letters).map((s) => ({ ...s, masks: Masks.Separators }));
    if (count === 0) return separators;
    const letters = this.masked(states.filter((s) => s.masks !== Masks.Separators), count).map((s) => ({ ...s, masks: Masks.Letters }));
    return separators.concat(letters);
  }

  /** Each state after exactly `count` masked letters (any letter, never a digit). */
  private masked(states: State<T>[], count: number): State<T>[] {
    let current = states;
    for (let k = 0; k < count; k++) {
      const next: State<T>[] = [];
      for (const s of current) {
        for (const [letter, child] of s.node.children) {
          // Any letter, never a digit (ages are the only terms with digits).
          if ((letter < "0" || letter > "9") && next.length < MAX_STATES) next.push({ node: child, wild: s.wild + 1, real: s.real, masks: s.masks, afterMask: true });
        }
      }
      current = next;
    }
    return current;
  }
}

/**
 * Inside a spelled-out run ("E s s e x", "n u d e c h i l d", "a s e x y") a reader sees one word, or
 * words whose boundaries the letters alone must give. A hit there counts only when it starts at the
 * run's start (or after a lone "a"/"i" opening it) or right after another hit, and ends at the run's end,
 * right before another hit, or before an ending ("s e x y", "n u d e s"; a prefix term needs no end). So "n u d e c h i l d" is two terms, while
 * the "sex" of "E s s e x", "s e x t a n t" or "M i d d l e s e x" is no term at all.
 */
function segmented<T>(hits: Hit<T>[], v: PromptViews): Hit<T>[] {
  if (hits.length === 0) return hits;
  const ends = new Set(hits.map((h) => h.to));
  const starts = new Set(hits.map((h) => h.from));
  const lastWordOf = (g: number) => (v.firstWordOf[g + 1] ?? v.words.length) - 1;
  return hits.filter((h) => {
    const first = v.firstWordOf[v.spacedIndexOf[h.from]!]!;
    const startOk = h.from === first || ends.has(h.from - 1) || (h.from === first + 1 && (v.words[first] === "a" || v.words[first] === "i"));
    const last = lastWordOf(v.spacedIndexOf[h.to]!);
    const endOk = h.prefix === true || h.to === last || starts.has(h.to + 1) || isSuffix(v.words.slice(h.to + 1, last + 1).join(""));
    return startOk && endOk;
  });
}

function merge<T>(a: State<T>[], b: State<T>[]): State<T>[] {
  return b.length === 0 ? a : a.concat(b);
}

/** Masks may stand in for letters, but never for most of a term: two real letters, no more masks than them. */
function usable(s: { wild: number; real: number }): boolean {
  return s.wild === 0 || (s.real >= 2 && s.wild <= s.real);
}

/** One hit per entry and span: several readings of one span (1 as i and as l) find the same term. */
function dedupe<T>(hits: Hit<T>[]): Hit<T>[] {
  if (hits.length < 2) return hits;
  const seen = new Map<string, Set<T>>();
  return hits.filter((h) => {
    const key = `${h.from}:${h.to}:${h.view}`;
    let payloads = seen.get(key);
    if (!payloads) seen.set(key, payloads = new Set());
    if (payloads.has(h.payload)) return false;
    payloads.add(h.payload);
    return true;
  });
}
