// The pre-filter's normalisation and matching, without a database: each transformation on its own, then
// rules compiled from rows the way the service compiles them (the golden sets run against the real
// seeded rules in safety-golden.test.ts).
import { describe, expect, it } from "vitest";
import { fold } from "../src/safety/prefilter/fold.js";
import { RuleSet, ruleProblem, type RuleRow } from "../src/safety/prefilter/rules.js";
import { readings } from "../src/safety/prefilter/chars.js";
import { collapseRepeats, readLeet, readWord, spacedText, squashedText, views } from "../src/safety/prefilter/views.js";

describe("folding", () => {
  it("applies NFKC: fullwidth, mathematical alphanumerics, circled letters, ligatures", () => {
    expect(fold("\uff50\uff4f\uff52\uff4e")).toBe("porn"); // ｐｏｒｎ
    expect(fold("\u{1d429}\u{1d428}\u{1d42b}\u{1d427}")).toBe("porn"); // 𝐩𝐨𝐫𝐧
    expect(fold("\u{1d5c9}\u{1d5c8}\u{1d5cb}\u{1d5c7}")).toBe("porn"); // sans-serif 𝗉𝗈𝗋𝗇
    expect(fold("\u24df\u24de\u24e1\u24dd")).toBe("porn"); // ⓟⓞⓡⓝ
    expect(fold("\ufb01re")).toBe("fire"); // ﬁ ligature
  });

  it("folds case, including ß", () => {
    expect(fold("PoRN")).toBe("porn");
    expect(fold("STRAẞE Straße")).toBe("strasse strasse");
  });

  it("removes zero-width characters, default-ignorables, bidi controls and variation selectors", () => {
    const invisible = [
      "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\ufe0f", "\u{e0100}", "\u200e", "\u200f",
      "\u202a", "\u202e", "\u2066", "\u2069", "\u061c", "\u{e0041}", "\u034f", "\u3164",
    ];
    for (const ch of invisible) expect(fold(`p${ch}o${ch}r${ch}n`), `U+${ch.codePointAt(0)!.toString(16)}`).toBe("porn");
  });

  it("removes combining marks", () => {
    expect(fold("p\u0338o\u0308\u0301r\u0303n")).toBe("porn");
    expect(fold("Beyonc\u00e9")).toBe("beyonce"); // precomposed é decomposes, then loses its mark
    expect(fold("na\u00efve \u00f1and\u00fa")).toBe("naive nandu");
  });

  it("maps Cyrillic, Greek and other look-alikes to Latin (data/confusables.txt)", () => {
    expect(fold("\u0440\u043ern")).toBe("porn"); // Cyrillic р, о
    expect(fold("\u0420\u041eRN")).toBe("porn"); // Cyrillic capitals Р, О
    expect(fold("\u0455\u0435\u0445")).toBe("sex"); // Cyrillic ѕ, е, х
    expect(fold("\u03c1\u03bfr\u03b7")).toBe("porn"); // Greek ρ, ο, η
    expect(fold("\u0397\u03b7")).toBe("hn"); // capital Eta passes for H, small eta for n
    expect(fold("\u1d18\u1d0f\u0280\u0274")).toBe("porn"); // small capitals ᴘᴏʀɴ
    expect(fold("\u0131\u0142\u00f8\u0585")).toBe("iloo"); // ı ł ø and Armenian օ
  });

  it("leaves plain ASCII alone apart from case", () => {
    expect(fold("A red circle, moving LEFT!")).toBe("a red circle, moving left!");
  });
});

describe("leetspeak", () => {
  it("reads digits and symbols as the letters they stand for", () => {
    expect(readLeet("p0rn")).toBe("porn");
    expect(readLeet("$3x")).toBe("sex");
    expect(readLeet("@55")).toBe("ass");
    expect(readLeet("7e5t")).toBe("test");
    expect(readLeet("n00d")).toBe("nood");
  });

  it("reads each character as every letter it may stand for: 1 and | both ways, digits as themselves too", () => {
    expect(readLeet("l1ck")).toBe("lick");
    expect(readings("1", false)).toEqual(["1", "i", "l"]);
    expect(readings("|", false)).toEqual(["l", "i"]);
    expect(readings("6", false)).toEqual(["6", "g", "b"]);
    expect(readings("+", false)).toEqual(["t"]);
    expect(readings("o", false)).toEqual(["o", "0"]); // letters that pass for digits: "l2 y0"
    expect(readings("k", false)).toEqual(["k"]);
  });

  it("keeps a bare number a number (ages, counts)", () => {
    expect(readWord("12")).toBe("12");
    expect(readings("5", true)).toEqual(["5"]);
  });
});

describe("views", () => {
  it("spaced: a run of single characters is one word; other word boundaries stay", () => {
    expect(spacedText(views("p o r n"))).toBe("porn");
    expect(spacedText(views("p.o.r.n star"))).toBe("porn star");
    expect(spacedText(views("p-0-r-n"))).toBe("porn");
    expect(spacedText(views("5 3 x tape"))).toBe("sex tape");
    expect(spacedText(views("Scunthorpe United, a cat"))).toBe("scunthorpe united a cat");
    expect(spacedText(views("I am a cat"))).toBe("i am a cat");
  });

  it("squashed: every non-letter removed", () => {
    expect(squashedText(views("po-rn star"))).toBe("pornstar");
    expect(squashedText(views("n u d e"))).toBe("nude");
    expect(squashedText(views("a 12 year old"))).toBe("ayearold");
  });

  it("joins apostrophes instead of splitting on them", () => {
    expect(spacedText(views("my friend's ex"))).toBe("my friends ex");
    expect(spacedText(views("assassin\u2019s creed"))).toBe("assassins creed");
  });

  it("trims punctuation that is not leetspeak", () => {
    expect(spacedText(views("wow! $ex!! c++"))).toBe("wow sex c");
  });

  it("collapses repeated letters (PATTERN rules read this form too)", () => {
    expect(collapseRepeats("pooorn")).toBe("porn");
    expect(collapseRepeats("assassin")).toBe("asasin");
  });

  it("records masking characters per gap: between words (a letter or nothing), before and after a word", () => {
    const v = views("the k*d and n__ked *ude nud# t.e.e.n. rap.");
    expect(v.words).toEqual(["the", "k", "d", "and", "n", "ked", "ude", "nud", "t", "e", "e", "n", "rap"]);
    expect(v.innerMasks).toEqual([0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]); // dots between single letters separate
    expect(v.leadingMasks).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(v.trailingMasks).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]); // a full stop after a word is not a mask
    expect(spacedText(v)).toBe("the kd and nked ude nud teen rap");
  });
});

const row = (id: number, category: RuleRow["category"], kind: RuleRow["kind"], pattern: string): RuleRow => ({ id, category, kind, pattern });
// Terms chosen to sit inside the hard negatives' words: they must still pass.
const ROWS: RuleRow[] = [
  row(1, "SEXUAL", "TERM", "porn*"), row(2, "SEXUAL", "TERM", "sex"), row(3, "SEXUAL", "TERM", "cunt"),
  row(4, "SEXUAL", "TERM", "cock"), row(5, "SEXUAL", "TERM", "ass"), row(6, "SEXUAL", "TERM", "rape"),
  row(7, "VIOLENCE", "TERM", "rapist"), row(8, "VIOLENCE", "TERM", "kill"), row(9, "SEXUAL", "TERM", "naked"),
  row(10, "NCII", "PAIR", "doctor|nurse + nude|naked"), row(11, "VIOLENCE", "PATTERN", "\\bslit (?:her |his )?throat"),
  row(12, "NCII", "TERM", "revenge porn"), row(13, "SEXUAL", "TERM", "tits"),
];
const rules = new RuleSet(ROWS, 7, ["Taylor Swift", "Elon Musk"]);
const verdict = (prompt: string) => rules.check(prompt);
const blockedBy = (prompt: string) => {
  const d = rules.check(prompt);
  return d.verdict === "blocked" ? { category: d.category, ruleId: d.ruleId, views: d.views } : null;
};

describe("matching", () => {
  it("passes Scunthorpe-style words whose letters hold a blocked term", () => {
    for (const prompt of ["Scunthorpe", "a cocktail bar", "the coast of Essex", "a bunch of grapes", "a therapist's office",
      "Assassin's Creed", "a skill tree", "a sextant", "analysis"]) {
      expect(verdict(prompt), prompt).toEqual({ verdict: "passed", ruleSetVersion: 7 });
    }
  });

  it("matches whole words in the spaced view and spelled-out words", () => {
    expect(blockedBy("a porn clip")).toEqual({ category: "SEXUAL", ruleId: "1", views: ["spaced"] });
    expect(blockedBy("a pornstar")).toEqual({ category: "SEXUAL", ruleId: "1", views: ["spaced"] });
    expect(blockedBy("p.o.r.n")).toEqual({ category: "SEXUAL", ruleId: "1", views: ["spaced"] });
  });

  it("matches split words in the squashed view, but only on word boundaries", () => {
    expect(blockedBy("po rn")).toEqual({ category: "SEXUAL", ruleId: "1", views: ["squashed"] });
    expect(blockedBy("a s e x y")).toMatchObject({ ruleId: "2", views: ["squashed"] });
    expect(verdict("5 ex employees").verdict).toBe("passed"); // a number before "ex" is not "5ex"
    expect(verdict("it's exciting").verdict).toBe("passed");
    expect(blockedBy("5 3 x")).toMatchObject({ ruleId: "2" });
  });

  it("matches stretched words but never drops a term's own double letters", () => {
    expect(blockedBy("pooooorn")).toMatchObject({ ruleId: "1" });
    expect(blockedBy("kiiiilll")).toMatchObject({ ruleId: "8" });
    expect(verdict("kil").verdict).toBe("passed");
    expect(verdict("as you like it").verdict).toBe("passed");
    expect(blockedBy("asssss")).toMatchObject({ ruleId: "5" });
  });

  it("matches obfuscated forms: leetspeak (both readings of 1), homoglyphs, zero-width, marks", () => {
    expect(blockedBy("T4yl0r Sw1ft")).toMatchObject({ category: "LIKENESS", ruleId: "builtin:likeness:public-figures" });
    expect(blockedBy("E1on Musk")).toMatchObject({ category: "LIKENESS" });
    expect(blockedBy("\u0440\u043e\u0433n")).toMatchObject({ ruleId: "1" }); // Cyrillic р, о, г
    expect(blockedBy("\u0440\u043ern")).toMatchObject({ ruleId: "1" });
    expect(blockedBy("p\u200bo\u200br\u200bn")).toMatchObject({ ruleId: "1" });
    expect(blockedBy("p\u0301o\u0308rn")).toMatchObject({ ruleId: "1" });
  });

  it("hides words inside benign phrases from every rule", () => {
    expect(verdict("stargazing with the naked eye").verdict).toBe("passed");
    expect(verdict("kids watching the moon with the naked eye").verdict).toBe("passed");
    expect(blockedBy("a naked man")).toMatchObject({ ruleId: "9" });
  });

  it("checks categories in order: CSAM, sexual, NCII, violence, likeness", () => {
    expect(blockedBy("nude child")).toMatchObject({ category: "CSAM" });
    expect(blockedBy("Taylor Swift naked")).toMatchObject({ category: "SEXUAL" });
    expect(blockedBy("revenge porn")).toMatchObject({ category: "SEXUAL" });
    expect(blockedBy("kill Elon Musk")).toMatchObject({ category: "VIOLENCE" });
  });

  it("PAIR: a term of each side within 8 words", () => {
    expect(blockedBy("a nude nurse")).toEqual({ category: "NCII", ruleId: "10", views: ["spaced"] });
    expect(verdict("a nurse at a busy hospital").verdict).toBe("passed");
  });

  it("PATTERN: tested on both views, also with repeats collapsed", () => {
    expect(blockedBy("slit her throat")).toMatchObject({ category: "VIOLENCE", ruleId: "11" });
    expect(blockedBy("sliiit her throat")).toMatchObject({ ruleId: "11" });
  });
});

describe("the CSAM hard rule", () => {
  const bare = new RuleSet([], 1, []); // no table rules at all: the hard rule is still there

  it("blocks a minor term near a sexual term in any view, with no table rules", () => {
    expect(bare.check("nude child")).toMatchObject({ verdict: "blocked", category: "CSAM", ruleId: "builtin:csam:pair" });
    expect(bare.check("n.u.d.e c h i l d")).toMatchObject({ category: "CSAM" });
    expect(bare.check("\u0441hild in lin\u0261erie")).toMatchObject({ category: "CSAM" });
    expect(bare.check("a sexy t33n")).toMatchObject({ category: "CSAM" });
  });

  it("reads ages under 18 as minors", () => {
    for (const prompt of ["12yo nude", "a 12 y/o in lingerie", "twelve-year-old sexy", "naked, aged 14", "a 15 year old topless"]) {
      expect(bare.check(prompt), prompt).toMatchObject({ category: "CSAM" });
    }
    expect(bare.check("a 12 year old whisky").verdict).toBe("passed");
    expect(bare.check("an 18 year old topless").verdict).toBe("passed"); // not CSAM (the table's SEXUAL rules decide)
  });

  it("counts the two terms together only within 8 words", () => {
    expect(bare.check("child one two three four five six seven nude").verdict).toBe("blocked");
    expect(bare.check("child one two three four five six seven eight nine nude").verdict).toBe("passed");
  });

  it("blocks terms that are CSAM on their own", () => {
    expect(bare.check("jailbait")).toMatchObject({ category: "CSAM", ruleId: "builtin:csam:term" });
    expect(bare.check("l0l1c0n")).toMatchObject({ category: "CSAM", ruleId: "builtin:csam:term" });
  });

  it("passes innocent mentions of children, bodies and medicine", () => {
    for (const prompt of ["kids playing football in a park", "a child blowing out birthday candles", "a pediatrician examining a baby",
      "a child in a striped shirt", "a grandmother fondly remembering her grandchildren", "the sex of the baby revealed at a party"]) {
      expect(bare.check(prompt).verdict, prompt).toBe("passed");
    }
  });
});

describe("rule validation", () => {
  it("refuses patterns that cannot be matched safely", () => {
    expect(ruleProblem("TERM", "ab")).toMatch(/at least 3 letters/);
    expect(ruleProblem("TERM", "por*")).toMatch(/4 before a \*/);
    expect(ruleProblem("TERM", "two words*")).toMatch(/one-word/);
    expect(ruleProblem("TERM", "x".repeat(201))).toMatch(/1 to 200/);
    expect(ruleProblem("PAIR", "doctor nude")).toMatch(/one '\+'/);
    expect(ruleProblem("PAIR", "doctor + ab")).toMatch(/"ab"/);
    expect(ruleProblem("PATTERN", "(unclosed")).toMatch(/regular expression/);
    expect(ruleProblem("PATTERN", "x*")).toMatch(/empty prompt/);
  });

  it("accepts valid ones", () => {
    expect(ruleProblem("TERM", "revenge porn")).toBeNull();
    expect(ruleProblem("TERM", "porn*")).toBeNull();
    expect(ruleProblem("PAIR", "doctor|nurse + nude*|naked")).toBeNull();
    expect(ruleProblem("PATTERN", "\\bslit throat")).toBeNull();
  });

  it("leaves out stored rows that do not compile, and says which", () => {
    const set = new RuleSet([row(1, "SEXUAL", "PATTERN", "(bad"), row(2, "SEXUAL", "TERM", "porn")], 3, []);
    expect(set.skipped).toEqual([1]);
    expect(set.check("porn").verdict).toBe("blocked");
  });
});
