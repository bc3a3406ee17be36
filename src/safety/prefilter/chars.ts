// Per-character readings: the letters (or digits) a folded character may stand for inside a word. This is
// what makes obfuscation systematic rather than a list of spellings: every term is stored once, in plain
// letters, and a prompt's characters are read as classes, so a substitution works at any position of any
// term (age and minor terms, sexual terms, names) and in any combination with the other transformations.
//   - a letter reads as itself; o, l, i, z also read as the digit they look like (ages: "l2 y0", "1z yo");
//   - a digit reads as itself and as the letters it is written for (t33n, k1d, 5ex, 7een, 6irl);
//   - a symbol used as a letter reads as that letter ($ex, n@ked, m!nor, +een, s€x, £ewd);
//   - masking characters (* _ . ? # %) are not read here: they sit between words and stand for exactly
//     one letter each or for nothing (views.ts records them, terms.ts expands them).
// Homoglyphs from other scripts are mapped before this, in fold.ts.

/** Symbols that can stand for a letter, so they are part of a word (views.ts: WORD). */
export const LETTER_SYMBOLS = "@$!|+€£¢¥";

const LEET: Readonly<Record<string, string>> = {
  "0": "o", "1": "il", "2": "z", "3": "e", "4": "a", "5": "s", "6": "gb", "7": "t", "8": "b", "9": "g",
  "@": "a", "$": "s", "!": "il", "|": "li", "+": "t", "€": "e", "£": "le", "¢": "c", "¥": "y",
};

// Letters that pass for digits, so an age written with letters ("l2 year old", "1z yo") is still an age.
const DIGIT_LOOKALIKE: Readonly<Record<string, string>> = { o: "0", l: "1", i: "1", z: "2" };

/** The primary letter each leetspeak character stands for (the spaced view and PATTERN rules read these). */
export const PRIMARY_LEET: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(LEET).map(([ch, letters]) => [ch, letters[0]!]),
);

const cache = new Map<string, readonly string[]>();

/**
 * What `ch` may stand for inside a word. `literal`: the word is a bare number that is not one letter of a
 * spelled-out run, so its digits stay digits ("5 ex" is not "sex", "12" is twelve).
 */
export function readings(ch: string, literal: boolean): readonly string[] {
  if (literal) return [ch];
  const known = cache.get(ch);
  if (known) return known;
  const out = new Set<string>();
  const leet = LEET[ch];
  if (/\p{N}/u.test(ch) || !leet) out.add(ch);
  for (const letter of leet ?? "") out.add(letter);
  const digit = DIGIT_LOOKALIKE[ch];
  if (digit) out.add(digit);
  const list = [...out];
  cache.set(ch, list);
  return list;
}
