import type { MutationResolvers, QueryResolvers, SafetyRuleResolvers } from "../../generated/graphql.js";
import { requireAccount } from "../context.js";

// Who may call these (staff reads, admin changes) is the authorisation matrix's decision (../authorization.ts).

export const safetyQueries: Pick<QueryResolvers, "safetyRules" | "safetyRuleSetVersion"> = {
  safetyRules: (_parent, { includeDisabled }, ctx) => {
    return ctx.services.safety.list(includeDisabled ?? false);
  },
  safetyRuleSetVersion: (_parent, _args, ctx) => {
    return ctx.services.safety.version();
  },
};

export const safetyMutations: Pick<MutationResolvers, "addSafetyRule" | "disableSafetyRule"> = {
  addSafetyRule: (_parent, { input, reason }, ctx) => ctx.services.safety.add(requireAccount(ctx), input, reason?.trim() || null),
  disableSafetyRule: (_parent, { id, reason }, ctx) => ctx.services.safety.disable(requireAccount(ctx), id, reason?.trim() || null),
};

export const SafetyRule: SafetyRuleResolvers = {
  id: (rule) => String(rule.id),
};
