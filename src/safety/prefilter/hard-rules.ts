// The rules that live in code, not in the `safety_rules` table, so no admin, config value or database
// edit can switch them off:
//   - CSAM: a term that names sexual content involving minors on its own, or a minor-indicating term
//     (including an age under 18: "12 year old", "12yo", "twelve-year-old") within CSAM_WINDOW words of
//     a sexual term, in any view;
//   - benign phrases: a few fixed phrases whose words would otherwise be read as blocked terms
//     ("naked eye", "Gore-Tex"); words inside one are not counted by any rule.
// The word lists are short, clinical and deliberately broad on the minor side: a false positive here
// costs a rephrase, a false negative is the worst outcome the service can have.
import type { PromptViews } from "./views.js";

/** Words apart (in the spaced view) at which a minor term and a sexual term still count together. */
export const CSAM_WINDOW = 8;

export const CSAM_RULE_IDS = { term: "builtin:csam:term", pair: "builtin:csam:pair" } as const;

/** Terms that are CSAM on their own. */
export const CSAM_TERMS = [
  "csam", "child porn*", "childporn*", "kiddie porn*", "kiddy porn*", "jailbait", "lolicon", "shotacon", "pthc",
  "pedo porn*", "paedo porn*",
];

/** Terms that say a person is a minor. Ages under 18 are found by minorAges() below. */
export const MINOR_TERMS = [
  "child", "children", "childs", "kid", "kids", "kiddie", "kiddies", "kiddy", "minor", "minors", "underage",
  "under age", "preteen*", "pre teen", "pre teens", "tween", "tweens", "toddler*", "infant*", "baby", "babies",
  "newborn*", "schoolgirl*", "schoolboy*", "school girl", "school girls", "school boy", "school boys",
  "little girl", "little girls", "little boy", "little boys", "young girl", "young girls", "young boy",
  "young boys", "teen", "teens", "teenage*", "juvenile*", "adolescent*", "pubescent", "prepubescent", "loli",
  "lolita", "shota", "youngster*", "girl child", "boy child", "elementary school", "middle school",
  "primary school", "kindergarten*", "underaged",
];

/**
 * Sexual terms for the CSAM pair: broader than the table's SEXUAL defaults, and not editable. Words that
 * are as often innocent next to a child ("striped", "intimate", "explicit instructions", "kinky hair",
 * "fondly") are left out on purpose.
 */
export const CSAM_SEXUAL_TERMS = [
  "nude", "nudes", "nudity", "naked", "nakedness", "sex", "sexual*", "sexy", "sexier", "sexiest", "porn*",
  "erotic*", "nsfw", "xxx", "lewd", "topless", "bottomless", "undress*", "unclothed", "lingerie", "seductive*",
  "sensual*", "orgasm*", "intercourse", "fetish*", "hentai", "masturbat*", "genital*", "molest*", "rape",
  "raped", "raping", "grope*", "groping", "fondle", "fondled", "fondling", "striptease", "stripper*", "bdsm",
  "horny", "indecent", "sexualised", "sexualized",
];

/**
 * Phrases whose words no rule counts: one of their words is a blocked term elsewhere, here it is not.
 * Only ever words of the sexual and violent kind: a phrase must never hide a minor term.
 */
export const BENIGN_PHRASES = [
  "naked eye", "naked mole rat", "naked mole rats", "naked flame", "naked flames", "naked truth", "gore tex",
  "sex of the", "nude color", "nude colors", "nude colour", "nude colours", "nude tones", "nude palette",
  "nude lipstick", "nude heels",
];

const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
};
const AGE_SUFFIX = /^(\d{1,2})(?:yo|yrs?|yrsold|yrold|yearold|yearsold|yearolds)$/;
const YEAR_WORDS = new Set(["year", "years", "yr", "yrs"]);

/**
 * Ages under 18 as spaced-word spans [start, end]: "12 year old", "12-year-old", "12 yo", "12 y/o",
 * "12yo", "twelve year old", "aged 12", "age 12". Read on the words before leetspeak, so digits are digits.
 */
export function minorAges(v: PromptViews): [number, number][] {
  const { words, spacedIndexOf } = v;
  const spans: [number, number][] = [];
  const span = (a: number, b: number) => spans.push([spacedIndexOf[a]!, spacedIndexOf[b]!]);
  const age = (word: string | undefined): number | null => {
    if (word === undefined) return null;
    if (/^\d{1,2}$/.test(word)) return Number(word);
    return NUMBER_WORDS[word] ?? null;
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const fused = AGE_SUFFIX.exec(word);
    if (fused && Number(fused[1]) < 18) {
      span(i, i);
      continue;
    }
    const n = age(word);
    if (n !== null && n < 18) {
      const [a, b, c] = [words[i + 1], words[i + 2], words[i + 3]];
      if (a === "yo") span(i, i + 1);
      else if (a === "y" && b === "o") span(i, i + 2);
      else if (a !== undefined && YEAR_WORDS.has(a) && (b === "old" || b === "olds")) span(i, i + 2);
      else if (a !== undefined && YEAR_WORDS.has(a) && b === "of" && c === "age") span(i, i + 3);
    }
    if ((word === "age" || word === "aged") && (() => { const m = age(words[i + 1]); return m !== null && m < 18; })()) span(i, i + 1);
  }
  return spans;
}
