// Benign senses: a sensitive word whose neighbours say it is not sexual or violent here. "nude" in
// "nude lipstick", "nude patent pumps", "heels in nude" is a colour; "paint stripper" is a solvent;
// "oilseed rape" a crop; "sex chromosomes" biology; "social intercourse" conversation.
//
// Policy (what a trust-and-safety team would expect, and what the golden sets hold):
//   - A sense only hides the one word it explains, and only from the table's rules (SEXUAL, NCII,
//     VIOLENCE, LIKENESS). Anything else unsafe in the prompt still blocks ("a naked woman in nude heels").
//   - Near a minor term a sense is not trusted: the CSAM hard rule still counts the word ("a teen in
//     nude stockings" is refused). A false positive there costs a rephrase; a miss is the worst outcome.
//   - The artistic nude (a nude figure study, a nude model) is nudity, which the service does not
//     generate: it stays blocked. Art senses that are not nudity pass ("nude pink acrylic paint", "a
//     carved fetish figure").
// The vocabulary words are terms in the same index as every rule, so a sense survives the same
// obfuscations as the word it explains ("n*de l1pstick").

export interface Sense {
  /** colour, material, art, medical, historical: what the report counts it as */
  kind: "colour" | "material" | "art" | "medical" | "historical";
  /** the sensitive words this sense explains (each is also a term of some rule) */
  words: string[];
  /** a word right after (past connectors and colours) that selects the sense */
  next?: string[];
  /** a word right before that selects it */
  prev?: string[];
  /** "heels in nude", "a shade of nude": one of `next` a few words before "in"/"of" */
  trailing?: boolean;
}

const GARMENTS_AND_COSMETICS = [
  "lipstick", "lipsticks", "lip", "lips", "gloss", "lipgloss", "liner", "lipliner", "nail", "nails", "polish",
  "manicure", "pedicure", "eyeshadow", "shadow", "palette", "palettes", "makeup", "foundation", "blush", "concealer",
  "heels", "heel", "pumps", "shoes", "shoe", "sandals", "flats", "boots", "stilettos", "slingbacks", "loafers",
  "mules", "sneakers", "bag", "bags", "handbag", "purse", "clutch", "dress", "dresses", "gown", "skirt", "blouse",
  "sweater", "cardigan", "coat", "trench", "jacket", "tights", "pantyhose", "scarf", "belt", "gloves", "hat",
];
const COLOUR_NOUNS = [
  "color", "colour", "colors", "colours", "tone", "tones", "shade", "shades", "hue", "hues", "paint", "paints",
  "pigment", "acrylic", "watercolor", "watercolour", "gouache", "walls", "wall", "interior", "interiors", "decor",
  "sofa", "couch", "cushion", "cushions", "ceramic", "ceramics", "vase", "tiles", "tile", "ribbon", "neutrals",
];

export const SENSES: readonly Sense[] = [
  { kind: "colour", words: ["nude"], next: [...GARMENTS_AND_COSMETICS, ...COLOUR_NOUNS], trailing: true },
  { kind: "material", words: ["naked"], next: ["cake", "cakes", "wire", "wires", "cable", "cables", "bulb", "bulbs", "lightbulb", "light", "lights"] },
  { kind: "material", words: ["stripper", "strippers"], prev: ["paint", "wire", "varnish", "floor", "wallpaper", "insulation", "cable", "chemical"] },
  { kind: "material", words: ["rape"], prev: ["oilseed"], next: ["seed", "seeds", "field", "fields", "oil", "flowers", "crop", "crops", "plant", "plants"] },
  { kind: "material", words: ["horny"], next: ["toad", "toads", "lizard", "lizards", "beak", "beaks", "scales"] },
  { kind: "material", words: ["topless"], next: ["bus", "buses", "convertible", "convertibles", "car", "cars", "tram", "trams"] },
  { kind: "material", words: ["gore"], next: ["skirt", "skirts", "panel", "panels"] },
  { kind: "art", words: ["fetish"], next: ["figure", "figures", "statue", "statues", "statuette", "statuettes", "carving", "carvings", "object", "objects", "mask", "masks"] },
  { kind: "medical", words: ["sex"], prev: ["opposite", "biological"], next: ["chromosome", "chromosomes", "hormone", "hormones", "cell", "cells", "ratio", "ratios", "determination", "differences", "linked", "education", "selection"] },
  { kind: "historical", words: ["intercourse"], prev: ["social", "commercial", "cultural", "diplomatic", "verbal", "friendly"] },
];

/**
 * Words a sense's `next` may reach past, but that never select a sense on their own: connectors, colours,
 * materials and shapes ("nude and black heels", "nude satin pumps", "nude high heels"). Colours and
 * "toned" are here, not in `next`, because they also describe people: "a nude black woman" is not a colour.
 */
const SKIPPABLE = new Set([
  "and", "or", "n", "colored", "coloured", "toned", "leather", "suede", "satin", "silk", "velvet", "linen", "matte",
  "glossy", "patent", "mesh", "ballet", "neutral", "pointed", "strappy", "ankle", "platform", "kitten", "block", "high", "black", "white", "brown", "tan", "beige", "pink", "peach", "rose", "gold", "golden", "silver",
  "cream", "ivory", "grey", "gray", "taupe", "camel", "caramel", "mocha", "soft", "warm", "pale", "light", "dark",
  "classic", "sheer", "toe", "pointy", "low", "mid",
]);
const LINKS = new Set(["in", "of"]);
// Not "the": "in the nude" means naked.
const ARTICLES = new Set(["a", "an", "soft", "warm", "pale", "light", "classic"]);
/** Spaced words a sense may look across. */
const REACH = 4;

/** Where the sense vocabulary was found, per sense: word indexes (views.ts `words`) where a next word starts, a prev word ends, a next word ends. */
export interface SenseHits { next: Set<number>[]; prev: Set<number>[]; ends: Set<number>[] }

/**
 * Whether the sensitive word covering words `from`..`to` is in `sense` here. `words` are the prompt's
 * words read as the spaced view reads them. Positions are words, not spaced words, so a sense holds when
 * both are spelled out ("n u d e l i p s t i c k").
 */
export function inSense(sense: number, from: number, to: number, words: readonly string[], found: SenseHits): boolean {
  const next = found.next[sense]!, prev = found.prev[sense]!;
  if (prev.has(from - 1)) return true;
  for (let k = to + 1; k < words.length && k <= to + REACH; k++) {
    if (next.has(k)) return true;
    if (!SKIPPABLE.has(words[k]!)) break;
  }
  if (!SENSES[sense]!.trailing) return false;
  // "heels in nude", "lipstick in a soft nude", "a shade of nude"
  let k = from - 1;
  while (k >= 0 && ARTICLES.has(words[k]!)) k--;
  if (k < 1 || !LINKS.has(words[k]!)) return false;
  for (let j = k - 1; j >= 0 && j >= k - REACH; j--) if (found.ends[sense]!.has(j)) return true;
  return false;
}
