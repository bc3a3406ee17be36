// What the admin API calls: list, add and disable rules of `safety_rules`. Callers are checked for the
// ADMIN role by the authorisation matrix (src/api/authorization.ts) before they get here. Each change bumps
// the rule-set version and appends its audit_log row in its own statement (store.ts); this process reloads at once, every other API
// process at its next poll (service.ts).
import type { Account } from "../../accounts/accounts.js";
import type { Sql } from "../../db/pool.js";
import type { UserError } from "../../jobs/validate.js";
import { ruleProblem, type RuleKind, type SafetyCategory } from "./rules.js";
import type { PrefilterService } from "./service.js";
import { disableRule, findEnabledDuplicate, findRule, insertRule, listRules, ruleSetVersion, type SafetyRuleRecord } from "./store.js";

export interface SafetyRulePayload {
  rule: SafetyRuleRecord | null;
  /** the version this change made; null when nothing changed */
  ruleSetVersion: number | null;
  userErrors: UserError[];
}

export interface AddSafetyRuleInput { category: SafetyCategory; kind: RuleKind; pattern: string }

const BUILTIN_PREFIX = "builtin:";

export class SafetyRuleService {
  constructor(private readonly sql: Sql, private readonly prefilter: PrefilterService) {}

  list(includeDisabled: boolean): Promise<SafetyRuleRecord[]> {
    return listRules(this.sql, includeDisabled);
  }

  /** The stored version (what every process converges to), not only this process's. */
  version(): Promise<number> {
    return ruleSetVersion(this.sql);
  }

  async add(admin: Account, input: AddSafetyRuleInput, reason: string | null = null): Promise<SafetyRulePayload> {
    const pattern = input.pattern.trim();
    const problem = ruleProblem(input.kind, pattern);
    if (problem) return refused("INVALID_INPUT", problem, ["input", "pattern"]);
    const duplicate = await findEnabledDuplicate(this.sql, input.category, input.kind, pattern);
    if (duplicate !== null) return refused("DUPLICATE_RULE", `Rule ${duplicate} already is this rule.`, ["input", "pattern"]);
    const rule = await insertRule(this.sql, { category: input.category, kind: input.kind, pattern }, { id: admin.id, role: admin.role, reason });
    await this.prefilter.catchUp(rule.createdVersion);
    return { rule, ruleSetVersion: rule.createdVersion, userErrors: [] };
  }

  async disable(admin: Account, id: string, reason: string | null = null): Promise<SafetyRulePayload> {
    if (id.startsWith(BUILTIN_PREFIX)) {
      return refused("BUILTIN_RULE", "Built-in rules (CSAM, the public-figure list) live in code and cannot be disabled.", ["id"]);
    }
    const numeric = /^\d{1,9}$/.test(id) ? Number(id) : null;
    const rule = numeric === null ? null : await disableRule(this.sql, numeric, { id: admin.id, role: admin.role, reason });
    if (rule) {
      await this.prefilter.catchUp(rule.disabledVersion!);
      return { rule, ruleSetVersion: rule.disabledVersion, userErrors: [] };
    }
    const existing = numeric === null ? null : await findRule(this.sql, numeric);
    if (existing) return { ...refused("ALREADY_DISABLED", `Rule ${id} is already disabled.`, ["id"]), rule: existing };
    return refused("NOT_FOUND", `No safety rule with id ${JSON.stringify(id)}.`, ["id"]);
  }
}

function refused(code: string, message: string, field: string[]): SafetyRulePayload {
  return { rule: null, ruleSetVersion: null, userErrors: [{ code, message, field }] };
}
