import type { MutationResolvers, QueryResolvers, SafetyRuleResolvers } from "../../generated/graphql.js";
import { requireAdmin } from "../context.js";

export const safetyQueries: Pick<QueryResolvers, "safetyRules" | "safetyRuleSetVersion"> = {
  safetyRules: (_parent, { includeDisabled }, ctx) => {
    requireAdmin(ctx);
    return ctx.services.safety.list(includeDisabled ?? false);
  },
  safetyRuleSetVersion: (_parent, _args, ctx) => {
    requireAdmin(ctx);
    return ctx.services.safety.version();
  },
};

export const safetyMutations: Pick<MutationResolvers, "addSafetyRule" | "disableSafetyRule"> = {
  addSafetyRule: (_parent, { input }, ctx) => ctx.services.safety.add(requireAdmin(ctx), input),
  disableSafetyRule: (_parent, { id }, ctx) => ctx.services.safety.disable(requireAdmin(ctx), id),
};

export const SafetyRule: SafetyRuleResolvers = {
  id: (rule) => String(rule.id),
};
