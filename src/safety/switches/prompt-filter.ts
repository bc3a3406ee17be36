// A suspended pre-filter category (the kill switch): while a category is in the switches'
// suspendedCategories, every prompt that comes near it (any of its terms, PAIR sides or PATTERNs, benign
// senses included: RuleSet.touched) is refused for everyone, whatever the rules would decide. The check
// only runs while something is suspended, so the usual path costs one array length read.
import type { PromptFilter } from "../prefilter/service.js";
import type { PrefilterDecision, SafetyCategory } from "../prefilter/rules.js";
import type { UserError } from "../../jobs/validate.js";
import type { SwitchesSource } from "./service.js";

/** The rule id a suspension's decision carries (the job row records it like any other block). */
export const SUSPENDED_RULE_PREFIX = "switch:suspended:";

export interface TouchingFilter extends PromptFilter {
  touched(prompt: string): Set<SafetyCategory>;
}

export class SwitchedPromptFilter implements PromptFilter {
  constructor(private readonly inner: TouchingFilter, private readonly switches: SwitchesSource) {}

  check(prompt: string): PrefilterDecision {
    const decision = this.inner.check(prompt);
    const suspended = this.switches.current.suspendedCategories;
    // A rule's block stands (CSAM first): the switch only adds refusals.
    if (decision.verdict === "blocked" || suspended.length === 0) return decision;
    const touched = this.inner.touched(prompt);
    const category = suspended.find((c) => touched.has(c));
    if (!category) return decision;
    return { verdict: "blocked", ruleSetVersion: decision.ruleSetVersion, category, ruleId: `${SUSPENDED_RULE_PREFIX}${category}`, views: [] };
  }
}

/** The userError for a decision a suspension made; null for any other decision. */
export function suspensionError(decision: PrefilterDecision): UserError | null {
  if (decision.verdict !== "blocked" || !decision.ruleId.startsWith(SUSPENDED_RULE_PREFIX)) return null;
  return {
    code: "CATEGORY_SUSPENDED",
    message: `Prompts on this subject (${decision.category.toLowerCase()}) are paused for everyone for now; nothing was queued. Please try again later.`,
    field: ["input", "prompt"],
  };
}
