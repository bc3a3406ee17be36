// A rule set, compiled: the hard rules (hard-rules.ts), the public-figure list, and the enabled rows of
// `safety_rules` at one version, all in one TermIndex so a prompt is read and scanned once. check() walks
// the categories in order (CSAM first) and returns the first rule that blocks.
import { BENIGN_PHRASES, CSAM_RULE_IDS, CSAM_SEXUAL_TERMS, CSAM_TERMS, CSAM_WINDOW, MINOR_AGE_TERMS, MINOR_TERMS } from "./hard-rules.js";
import { compilePattern, type CompiledPattern } from "./pattern.js";
import { inSense, SENSES, type SenseHits } from "./senses.js";
import { parseTerm, TermIndex, type Hit, type View } from "./terms.js";
import { collapseRepeats, readWord, spacedText, squashedText, views, type PromptViews } from "./views.js";

/** Categories in the order they are checked: a prompt that trips two is recorded under the first. */
export const SAFETY_CATEGORIES = ["CSAM", "SEXUAL", "NCII", "VIOLENCE", "LIKENESS"] as const;
export type SafetyCategory = (typeof SAFETY_CATEGORIES)[number];

export const RULE_KINDS = ["TERM", "PATTERN", "PAIR"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Words apart (spaced view) at which the two sides of a PAIR rule still count together. */
export const PAIR_WINDOW = 8;
export const MAX_PATTERN_LENGTH = 200;
export const PUBLIC_FIGURES_RULE_ID = "builtin:likeness:public-figures";

/** An enabled row of `safety_rules`. */
export interface RuleRow { id: number; category: SafetyCategory; kind: RuleKind; pattern: string }

export type PrefilterDecision =
  | { verdict: "passed"; ruleSetVersion: number }
  | { verdict: "blocked"; ruleSetVersion: number; category: SafetyCategory; ruleId: string; views: string[] };

type Role = "term" | "left" | "right" | "csam" | "minor" | "sexual" | "benign" | "senseWord" | "senseNext" | "sensePrev";
interface Payload { ruleId: string; category: SafetyCategory; role: Role; sense?: number }
interface Span { start: number; end: number; view: View }

/** Why `pattern` cannot be a rule of `kind`, as a sentence for the admin; null when it can. */
export function ruleProblem(kind: RuleKind, pattern: string): string | null {
  const text = pattern.trim();
  if (text.length === 0 || text.length > MAX_PATTERN_LENGTH) return `The pattern must be 1 to ${MAX_PATTERN_LENGTH} characters.`;
  if (kind === "TERM") return termProblem(text);
  if (kind === "PAIR") {
    const sides = text.split("+");
    if (sides.length !== 2) return "A PAIR is two lists of terms separated by one '+', e.g. \"doctor|nurse + nude|naked\".";
    for (const side of sides) {
      const terms = side.split("|");
      for (const term of terms) {
        const problem = termProblem(term.trim());
        if (problem) return `${JSON.stringify(term.trim())}: ${problem}`;
      }
    }
    return null;
  }
  const regex = compilePattern(text);
  if ("error" in regex) return `Not a valid RE2 regular expression (no lookaround, no backreferences): ${regex.error}`;
  if (regex.test("")) return "The regular expression matches an empty prompt, so it would block everything.";
  return null;
}

function termProblem(term: string): string | null {
  if (term.endsWith("*") && term.slice(0, -1).trim().split(/\s+/).length > 1) return "Only a one-word term can end in * (a prefix).";
  if (!parseTerm(term)) return "A term needs at least 3 letters (4 before a *) after normalisation.";
  return null;
}

export class RuleSet {
  private readonly index = new TermIndex<Payload>();
  private readonly patterns: { ruleId: string; category: SafetyCategory; regex: CompiledPattern }[] = [];
  private readonly pairs: { ruleId: string; category: SafetyCategory }[] = [];
  /** ids of rows that did not compile (e.g. written by a newer version); they are left out */
  readonly skipped: number[] = [];

  constructor(rows: readonly RuleRow[], readonly version: number, publicFigures: readonly string[]) {
    const add = (term: string, payload: Payload) => {
      const parsed = parseTerm(term);
      if (parsed) this.index.add(parsed, payload);
    };
    for (const t of CSAM_TERMS) add(t, { ruleId: CSAM_RULE_IDS.term, category: "CSAM", role: "csam" });
    for (const t of [...MINOR_TERMS, ...MINOR_AGE_TERMS]) add(t, { ruleId: CSAM_RULE_IDS.pair, category: "CSAM", role: "minor" });
    for (const t of CSAM_SEXUAL_TERMS) add(t, { ruleId: CSAM_RULE_IDS.pair, category: "CSAM", role: "sexual" });
    for (const t of BENIGN_PHRASES) add(t, { ruleId: "builtin:benign", category: "CSAM", role: "benign" });
    SENSES.forEach((sense, i) => {
      for (const t of sense.words) add(t, { ruleId: "builtin:sense", category: "CSAM", role: "senseWord", sense: i });
      for (const t of sense.next ?? []) add(t, { ruleId: "builtin:sense", category: "CSAM", role: "senseNext", sense: i });
      for (const t of sense.prev ?? []) add(t, { ruleId: "builtin:sense", category: "CSAM", role: "sensePrev", sense: i });
    });
    for (const name of publicFigures) add(name, { ruleId: PUBLIC_FIGURES_RULE_ID, category: "LIKENESS", role: "term" });
    for (const row of rows) {
      if (ruleProblem(row.kind, row.pattern) !== null) {
        this.skipped.push(row.id);
        continue;
      }
      const ruleId = String(row.id);
      const text = row.pattern.trim();
      if (row.kind === "TERM") add(text, { ruleId, category: row.category, role: "term" });
      else if (row.kind === "PATTERN") this.patterns.push({ ruleId, category: row.category, regex: compilePattern(text) as CompiledPattern });
      else {
        const [left, right] = text.split("+") as [string, string];
        for (const t of left.split("|")) add(t, { ruleId, category: row.category, role: "left" });
        for (const t of right.split("|")) add(t, { ruleId, category: row.category, role: "right" });
        this.pairs.push({ ruleId, category: row.category });
      }
    }
  }

  check(prompt: string): PrefilterDecision {
    const v = views(prompt);
    let hits = unmasked(this.index.hits(v));
    const blocked = (category: SafetyCategory, ruleId: string, spans: Span[]): PrefilterDecision => ({
      verdict: "blocked", ruleSetVersion: this.version, category, ruleId, views: [...new Set(spans.map((s) => s.view))].sort(),
    });

    // The hard rule first: no table row, config value or admin can change what it blocks.
    const csam = first(hits, (h) => h.payload.role === "csam");
    if (csam) return blocked("CSAM", CSAM_RULE_IDS.term, [csam]);
    const pair = near(hits.filter((h) => h.payload.role === "minor"), hits.filter((h) => h.payload.role === "sexual"), CSAM_WINDOW);
    if (pair) return blocked("CSAM", CSAM_RULE_IDS.pair, pair);

    // Benign senses ("nude lipstick") hide their word from the table's rules only (senses.ts).
    hits = withoutSenses(hits, v);
    let texts: { view: View; text: string }[] | null = null;
    for (const category of SAFETY_CATEGORIES) {
      const term = first(hits, (h) => h.payload.role === "term" && h.payload.category === category);
      if (term) return blocked(category, term.payload.ruleId, [term]);
      for (const rule of this.pairs) {
        if (rule.category !== category) continue;
        const mine = hits.filter((h) => h.payload.ruleId === rule.ruleId);
        const found = near(mine.filter((h) => h.payload.role === "left"), mine.filter((h) => h.payload.role === "right"), PAIR_WINDOW);
        if (found) return blocked(category, rule.ruleId, found);
      }
      for (const rule of this.patterns) {
        if (rule.category !== category) continue;
        texts ??= patternTexts(v);
        const seen = texts.find((t) => rule.regex.test(t.text));
        if (seen) return blocked(category, rule.ruleId, [{ start: 0, end: 0, view: seen.view }]);
      }
    }
    return { verdict: "passed", ruleSetVersion: this.version };
  }

  /**
   * Every category a term, PAIR side or PATTERN of the prompt belongs to, benign senses and phrases
   * included: what a suspended category (the kill switch, src/safety/switches) refuses. Deliberately
   * broader than check(): while a category is suspended, a prompt near it at all is refused.
   */
  touched(prompt: string): Set<SafetyCategory> {
    const v = views(prompt);
    const found = new Set<SafetyCategory>();
    for (const h of this.index.hits(v)) {
      const { role, category } = h.payload;
      if (role === "term" || role === "left" || role === "right" || role === "csam" || role === "minor") found.add(category);
      else if (role === "sexual") found.add("SEXUAL").add("CSAM");
    }
    let texts: { view: View; text: string }[] | null = null;
    for (const rule of this.patterns) {
      if (found.has(rule.category)) continue;
      texts ??= patternTexts(v);
      if (texts.some((t) => rule.regex.test(t.text))) found.add(rule.category);
    }
    return found;
  }
}

/** What PATTERN rules read: both views, each also with repeated letters collapsed ("sliiit" -> "slit"). */
function patternTexts(v: PromptViews): { view: View; text: string }[] {
  const spaced = spacedText(v), squashed = squashedText(v);
  return [
    { view: "spaced", text: spaced }, { view: "spaced", text: collapseRepeats(spaced) },
    { view: "squashed", text: squashed }, { view: "squashed", text: collapseRepeats(squashed) },
  ];
}

/** The first hit that `keep` accepts, one seen in the spaced view if there is one (the plainer record). */
function first(hits: Hit<Payload>[], keep: (h: Hit<Payload>) => boolean): Hit<Payload> | undefined {
  const kept = hits.filter(keep);
  return kept.find((h) => h.view === "spaced") ?? kept[0];
}

/** Hits outside every benign phrase ("naked eye" hides "naked"). */
function unmasked(hits: Hit<Payload>[]): Hit<Payload>[] {
  const masks = hits.filter((h) => h.payload.role === "benign");
  if (masks.length === 0) return hits;
  return hits.filter((h) => h.payload.role !== "benign" && !masks.some((m) => m.start <= h.start && h.end <= m.end));
}

/** Hits on a word that a benign sense explains here, left out ("nude" in "nude heels", "paint stripper"). */
function withoutSenses(hits: Hit<Payload>[], v: PromptViews): Hit<Payload>[] {
  const words = hits.filter((h) => h.payload.role === "senseWord");
  if (words.length === 0) return hits;
  const found: SenseHits = { next: SENSES.map(() => new Set<number>()), prev: SENSES.map(() => new Set<number>()), ends: SENSES.map(() => new Set<number>()) };
  for (const h of hits) {
    if (h.payload.role === "senseNext") {
      found.next[h.payload.sense!]!.add(h.from);
      found.ends[h.payload.sense!]!.add(h.to);
    }
    if (h.payload.role === "sensePrev") found.prev[h.payload.sense!]!.add(h.to);
  }
  const read = v.words.map(readWord);
  const benign = words.filter((w) => inSense(w.payload.sense!, w.from, w.to, read, found));
  if (benign.length === 0) return hits;
  // Every reading inside the explained word goes: "nude e" stretched over two words, the prefix term
  // reached before the word's last letter.
  return hits.filter((h) => !benign.some((w) => w.from <= h.from && h.to <= w.to));
}

/** A span from each list at most `window` words apart, or null. */
function near(a: Span[], b: Span[], window: number): Span[] | null {
  for (const x of a) {
    for (const y of b) {
      if (Math.max(y.start - x.end, x.start - y.end, 0) <= window) return [x, y];
    }
  }
  return null;
}
