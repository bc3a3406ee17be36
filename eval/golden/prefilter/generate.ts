// The generated adversarial suite: every seed phrase of seeds.ts in every combination of the
// obfuscations below, applied to its protected words, deterministic from a seed (a small PRNG, no
// Math.random), generated in memory at eval time; nothing large is committed.
//
// Transformations, in six groups; a variant takes at most one from each group, so the combinations are
// 5 x 7 x 3 x 2 x 2 x 2 x 2 = 1,680 per seed and draw (the first is the plain phrase):
//   structure: spacing ("t e e n"), dots ("t.e.e.n"), split ("te en"), mask (one letter, two in long
//              words, as `*`, `_` or `.`: "k*d", "n_ked", "nak.d");
//   alphabet:  homoglyph-cyrillic, homoglyph-greek, small-caps (ᴛᴇᴇɴ), fullwidth, math (𝐭𝐞𝐞𝐧),
//              mixed-alphabet (each letter from any of them, circled letters too);
//   case:      upper, mixed-case;
//   leet:      digits and symbols for letters at random positions (t33n, n@k3d, m!nor, +een; ages:
//              digits written as look-alike letters, "l2");
//   repeat:    one letter stretched ("teeeen");
//   zero-width (invisible characters between letters) and combining-marks (accents on letters).
// What a variant never does, because the result no longer reads as the word to a person either: leave a
// word with no letter at all ("455"), mask a digit or the only letters of a word, or stretch a number.
//
// `npm run eval -- --level 1` runs the suite through the real pre-filter (eval/lib/level1-generated.ts);
// `node --import tsx eval/golden/prefilter/generate.ts [--seed N] [--draws N]` prints it as JSONL.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BLOCK_SEEDS, PASS_SEEDS } from "./seeds.js";
// A small seeded PRNG (mulberry32): the suite is the same on every machine and every run.
import { mulberry32 } from "../../../src/engine/onnx/random.js";

export { mulberry32 };

export const DEFAULT_SEED = 17;
export const DEFAULT_DRAWS = 2;

export interface Variant {
  text: string;
  /** the seed phrase, brackets removed */
  base: string;
  expect: "blocked" | "passed";
  /** must-block: the category it must be blocked with; must-pass: the kind of hard negative */
  group: string;
  /** the transformations applied, in their fixed order; empty for the plain phrase */
  transforms: string[];
}

const STRUCTURE = ["", "spacing", "dots", "split", "mask"] as const;
const ALPHABET = ["", "homoglyph-cyrillic", "homoglyph-greek", "small-caps", "fullwidth", "math", "mixed-alphabet"] as const;
const CASE = ["", "upper", "mixed-case"] as const;
export const TRANSFORMS = [
  ...STRUCTURE.slice(1), ...ALPHABET.slice(1), ...CASE.slice(1), "leet", "repeat", "zero-width", "combining-marks",
];

/** Every variant, seeds in order, combinations in a fixed order; the same seed gives the same suite. */
export function* generateSuite(options: { seed?: number; draws?: number } = {}): Generator<Variant> {
  const random = mulberry32(options.seed ?? DEFAULT_SEED);
  const draws = options.draws ?? DEFAULT_DRAWS;
  const seeds = [
    ...BLOCK_SEEDS.map((s) => ({ text: s.text, expect: "blocked" as const, group: s.category })),
    ...PASS_SEEDS.map((s) => ({ text: s.text, expect: "passed" as const, group: s.kind })),
  ];
  for (const seed of seeds) {
    const base = seed.text.replace(/[[\]]/g, "");
    yield { text: base, base, expect: seed.expect, group: seed.group, transforms: [] };
    for (let draw = 0; draw < draws; draw++) {
      for (const combo of combinations()) {
        if (combo.length === 0) continue;
        const text = seed.text.replace(/\[([^\]]+)\]/g, (_, word: string) => obfuscate(word, combo, random));
        yield { text, base, expect: seed.expect, group: seed.group, transforms: combo };
      }
    }
  }
}

function* combinations(): Generator<string[]> {
  for (const structure of STRUCTURE) for (const alphabet of ALPHABET) for (const kase of CASE) {
    for (const leet of [false, true]) for (const repeat of [false, true]) for (const zw of [false, true]) for (const marks of [false, true]) {
      // Masks first: a mask stands for a letter of the word, not for one letter of a stretched run.
      const mask = structure === "mask" ? "mask" : "";
      const layout = structure === "mask" ? "" : structure;
      yield [mask, repeat && "repeat", leet && "leet", kase, alphabet, layout, zw && "zero-width", marks && "combining-marks"].filter((t): t is string => !!t);
    }
  }
}

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
// Any decimal digit (fullwidth and mathematical ones too): NFKC makes them ASCII digits.
const isDigit = (ch: string) => /^\p{Nd}$/u.test(ch);
const isLetter = (ch: string) => /^[a-zA-Z]$/.test(ch);

/** One protected word through `transforms`, in their fixed order. */
export function obfuscate(word: string, transforms: readonly string[], random: Random): string {
  let chars = [...word];
  const number = chars.every(isDigit);
  for (const t of transforms) {
    if (t === "repeat" && !number) chars = stretch(chars, random);
    else if (t === "leet") chars = number ? digitsAsLetters(chars, random) : leet(chars, random);
    else if (t === "upper") chars = chars.map((c) => c.toUpperCase());
    else if (t === "mixed-case") chars = chars.map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase()));
    else if (ALPHABET.includes(t as (typeof ALPHABET)[number])) chars = chars.map((c) => lookAlike(c, t, random));
    else if (t === "mask" && !number) chars = mask(chars, random);
    else if (t === "spacing") chars = [chars.join(" ")];
    else if (t === "dots") chars = [chars.join(".")];
    else if (t === "split") chars = split(chars, random);
    else if (t === "zero-width") chars = sprinkle(chars, random, () => pick(random, ZERO_WIDTH), false);
    else if (t === "combining-marks") chars = sprinkle(chars, random, () => pick(random, MARKS), true);
  }
  return chars.join("");
}

function stretch(chars: string[], random: Random): string[] {
  // Never the letter right after a mask: "p*rrn" is porn, but "t*en" stretched at the e reads "t?eeen".
  const letters = chars.map((c, i) => (isLetter(c) && !MASKS.includes(chars[i - 1] ?? "") ? i : -1)).filter((i) => i >= 0);
  if (letters.length === 0) return chars;
  const at = pick(random, letters);
  return [...chars.slice(0, at + 1), ...Array<string>(1 + Math.floor(random() * 3)).fill(chars[at]!), ...chars.slice(at + 1)];
}

const LEET: Record<string, string[]> = {
  a: ["4", "@"], b: ["8"], e: ["3", "€"], g: ["9", "6"], i: ["1", "!", "|"], l: ["1", "|", "£"], o: ["0"], s: ["5", "$"],
  t: ["7", "+"], z: ["2"], c: ["¢"], y: ["¥"],
};

function leet(chars: string[], random: Random): string[] {
  const spots = chars.map((c, i) => (LEET[c.toLowerCase()] ? i : -1)).filter((i) => i >= 0);
  if (spots.length === 0) return chars;
  const out = [...chars];
  let changed = 0;
  for (const i of spots) {
    if (changed === 0 || random() < 0.6) {
      out[i] = pick(random, LEET[chars[i]!.toLowerCase()]!);
      changed++;
    }
  }
  // A word of digits only is a number to a reader too ("455"): keep a letter.
  if (out.every((c) => isDigit(c))) out[spots[spots.length - 1]!] = chars[spots[spots.length - 1]!]!;
  return out;
}

function digitsAsLetters(chars: string[], random: Random): string[] {
  const letters: Record<string, string[]> = { "0": ["o", "O"], "1": ["l", "I", "i"], "2": ["z", "Z"] };
  const out = chars.map((c) => (letters[c] && random() < 0.7 ? pick(random, letters[c]!) : c));
  const first = chars.findIndex((c) => letters[c]);
  if (out.join("") === chars.join("") && first >= 0) out[first] = letters[chars[first]!]![0]!;
  return out;
}

/** Letters replaced by masking characters: interior letters only, never most of the word. */
function mask(chars: string[], random: Random): string[] {
  const n = chars.length;
  const spots = chars.map((c, i) => (i > 0 && i < n - 1 && isLetterLike(c) ? i : -1)).filter((i) => i >= 0);
  if (n < 3 || spots.length === 0) return chars;
  const out = [...chars];
  const first = pick(random, spots);
  const chosen = [first];
  if (n >= 7) {
    const far = spots.filter((i) => Math.abs(i - first) > 2);
    if (far.length && random() < 0.5) chosen.push(pick(random, far));
  }
  for (const i of chosen) {
    // A full stop masks a letter only next to a run of two or more characters ("nak.d", not "k.d").
    const dotOk = i >= 2 || n - i - 1 >= 2;
    out[i] = pick(random, dotOk ? ["*", "_", "."] : ["*", "_"]);
  }
  return out;
}

function isLetterLike(ch: string): boolean {
  return !isDigit(ch) && /\p{L}/u.test(ch);
}

/** Two pieces, each holding a letter (a piece of digits only would read as a number). */
function split(chars: string[], random: Random): string[] {
  if (chars.length < 2) return chars;
  const cuts = [];
  for (let i = 1; i < chars.length; i++) {
    const left = chars.slice(0, i), right = chars.slice(i);
    const ok = (p: string[]) => !p.every(isDigit) || chars.every(isDigit);
    if (ok(left) && ok(right)) cuts.push(i);
  }
  if (cuts.length === 0) return chars;
  const at = pick(random, cuts);
  return [...chars.slice(0, at), " ", ...chars.slice(at)];
}

const MASKS = ["*", "_", "."];
const ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"];
const MARKS = ["\u0301", "\u0308", "\u0303", "\u0336", "\u0338", "\u0323"];

/** Invisible characters between characters, or marks after letters, at random places (at least one). */
function sprinkle(chars: string[], random: Random, make: () => string, afterLetters: boolean): string[] {
  const out: string[] = [];
  let added = 0;
  chars.forEach((c, i) => {
    out.push(c);
    const eligible = afterLetters ? /\p{L}/u.test(c) : i < chars.length - 1;
    if (eligible && (random() < 0.5 || (added === 0 && i === chars.length - (afterLetters ? 1 : 2)))) {
      out.push(make());
      added++;
    }
  });
  return out;
}

const SMALL_CAPS = "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡxʏᴢ";
let homoglyphs: Record<"cyrillic" | "greek", Map<string, string[]>> | null = null;

/** The look-alike table the pre-filter folds (its Cyrillic and Greek rows), read backwards. */
function homoglyphTable(): Record<"cyrillic" | "greek", Map<string, string[]>> {
  if (homoglyphs) return homoglyphs;
  const file = new URL("../../../src/safety/prefilter/data/confusables.txt", import.meta.url);
  const table = { cyrillic: new Map<string, string[]>(), greek: new Map<string, string[]>() };
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([0-9A-F]{4,5})\s+([a-z])\s+(CYRILLIC|GREEK)/.exec(line);
    if (!m) continue;
    const map = m[3] === "CYRILLIC" ? table.cyrillic : table.greek;
    map.set(m[2]!, [...(map.get(m[2]!) ?? []), String.fromCodePoint(Number.parseInt(m[1]!, 16))]);
  }
  return (homoglyphs = table);
}

function lookAlike(ch: string, alphabet: string, random: Random): string {
  if (alphabet === "mixed-alphabet") {
    return lookAlike(ch, pick(random, [...ALPHABET.slice(1, -1), "circled", ""]), random);
  }
  const lower = ch.toLowerCase();
  const index = lower.charCodeAt(0) - 97;
  const letter = isLetter(ch), digit = isDigit(ch);
  const upper = letter && ch !== lower;
  switch (alphabet) {
    case "homoglyph-cyrillic":
    case "homoglyph-greek": {
      const options = homoglyphTable()[alphabet === "homoglyph-cyrillic" ? "cyrillic" : "greek"].get(lower);
      return letter && options ? pick(random, options) : ch;
    }
    case "small-caps":
      return letter ? SMALL_CAPS[index]! : ch;
    case "fullwidth":
      if (digit) return String.fromCodePoint(0xff10 + Number(ch));
      return letter ? String.fromCodePoint((upper ? 0xff21 : 0xff41) + index) : ch;
    case "math":
      if (digit) return String.fromCodePoint(0x1d7ce + Number(ch));
      return letter ? String.fromCodePoint((upper ? 0x1d400 : 0x1d41a) + index) : ch;
    case "circled":
      return letter ? String.fromCodePoint((upper ? 0x24b6 : 0x24d0) + index) : ch;
    default:
      return ch;
  }
}


if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  for (const v of generateSuite({ seed: arg("seed", DEFAULT_SEED), draws: arg("draws", DEFAULT_DRAWS) })) console.log(JSON.stringify(v));
}
