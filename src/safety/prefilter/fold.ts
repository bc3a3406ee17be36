// Folding: the first half of the pre-filter's normalisation. Whatever a prompt does to look different
// from a blocked word without reading differently to a person is undone here, before any matching:
//   1. NFKC: fullwidth ｐｏｒｎ, mathematical 𝐩𝐨𝐫𝐧, circled ⓟ, ligatures ﬁ become plain letters;
//   2. default-ignorable code points go: zero-width space and joiners, soft hyphen, word joiner,
//      variation selectors, bidi controls (RLO can reverse how a word displays), tag characters;
//   3. NFD, then every combining mark goes (p̸ö́rn is porn; é, ñ, ё lose their marks too);
//   4. look-alike letters from other scripts map to the Latin letter they imitate (data/confusables.txt);
//   5. lower case.
// Leetspeak and separators are handled per word in views.ts: they need to know where words are.
import { readFileSync } from "node:fs";

const CONFUSABLES_FILE = new URL("./data/confusables.txt", import.meta.url);

const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Join_Control}]/gu;
const MARK = /\p{M}/gu;
// Everything the slow path exists for is outside ASCII; most prompts are plain ASCII and skip it.
const NOT_ASCII = /[^\x00-\x7f]/;

let table: Map<string, string> | null = null;

/** The look-alike table, read on first use (never at import time). */
function confusables(): Map<string, string> {
  if (table) return table;
  const map = new Map<string, string>();
  for (const line of readFileSync(CONFUSABLES_FILE, "utf8").split("\n")) {
    const [hex, target] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (!hex || !target) continue;
    map.set(String.fromCodePoint(Number.parseInt(hex, 16)), target);
  }
  table = map;
  return map;
}

/** Steps 1-5 above. The result may still hold digits, punctuation and letters of other scripts. */
export function fold(text: string): string {
  if (!NOT_ASCII.test(text)) return text.toLowerCase();
  const stripped = text.normalize("NFKC").replace(INVISIBLE, "").normalize("NFD").replace(MARK, "");
  const map = confusables();
  let out = "";
  // Mapped before lower-casing: capital Greek Eta (Η) passes for H, its small form (η) for n.
  for (const ch of stripped) out += map.get(ch) ?? ch;
  return out.toLowerCase();
}
