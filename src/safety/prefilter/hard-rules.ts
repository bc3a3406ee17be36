// The rules that live in code, not in the `safety_rules` table, so no admin, config value or database
// edit can switch them off:
//   - CSAM: a term that names sexual content involving minors on its own, or a minor-indicating term
//     (including an age under 18: "12 year old", "12yo", "twelve-year-old", "aged 12") within
//     CSAM_WINDOW words of a sexual term, in any view;
//   - benign phrases: a few fixed idioms whose words would otherwise be read as blocked terms
//     ("naked eye", "Gore-Tex"); words inside one are not counted by any rule. Word senses that depend
//     on their neighbours ("nude" as a colour) live in senses.ts.
// Ages are terms like any other (MINOR_AGE_TERMS), so they meet every obfuscation the index undoes:
// "12 y3ar 0ld", "tw3lve-year-old", "thirt33n yo", "l2 y.o.", "1 2 yrs old".
// The word lists are short, clinical and deliberately broad on the minor side: a false positive here
// costs a rephrase, a false negative is the worst outcome the service can have.

/** Words apart (in the spaced view) at which a minor term and a sexual term still count together. */
export const CSAM_WINDOW = 8;

export const CSAM_RULE_IDS = { term: "builtin:csam:term", pair: "builtin:csam:pair" } as const;

/** Terms that are CSAM on their own. */
export const CSAM_TERMS = [
  "csam", "child porn*", "childporn*", "kiddie porn*", "kiddy porn*", "jailbait", "lolicon", "shotacon", "pthc",
  "pedo porn*", "paedo porn*",
];

/** Terms that say a person is a minor. Ages under 18 are MINOR_AGE_TERMS below. */
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
 * Idioms whose words no rule counts: one of their words is a blocked term elsewhere, here it is not.
 * Only ever words of the sexual and violent kind: a phrase must never hide a minor term.
 */
export const BENIGN_PHRASES = [
  "naked eye", "naked mole rat", "naked mole rats", "naked flame", "naked flames", "naked truth", "gore tex",
  "sex of the",
];

const NUMBER_WORDS = [
  "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
  "fourteen", "fifteen", "sixteen", "seventeen",
];
/** How an age is written around its number N; spaces and hyphens do not matter ("12-year-old", "12yo"). */
const AGE_FORMS = [
  "N year old", "N years old", "N yr old", "N yrs old", "N yo", "N year of age", "N years of age", "N yrs of age",
  "aged N", "age N", "N year olds", "N years olds",
];

/** Every age under 18, in digits and in words, in every form above. */
export const MINOR_AGE_TERMS: readonly string[] = AGE_FORMS.flatMap((form) => NUMBER_WORDS.flatMap((word, i) => [
  form.replace("N", String(i + 1)), form.replace("N", word),
]));
