import type { MutationResolvers, QueryResolvers } from "../../generated/graphql.js";
import { patchProblems, type SchedulerConfigPatch } from "../../scheduler/store.js";
import { requireAccount } from "../context.js";

export const schedulerQueries: Pick<QueryResolvers, "schedulerConfig"> = {
  schedulerConfig: (_parent, _args, ctx) => {
    return ctx.services.scheduler.current;
  },
};

export const schedulerMutations: Pick<MutationResolvers, "updateSchedulerConfig"> = {
  updateSchedulerConfig: async (_parent, { input }, ctx) => {
    const admin = requireAccount(ctx); // an ADMIN: the authorisation matrix (../authorization.ts) checked it
    const { reason, ...fields } = input;
    // GraphQL null means "leave as it is", like a field left out.
    const patch = Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null)) as SchedulerConfigPatch;
    const problems = patchProblems(patch);
    if (problems.length) {
      return { config: null, userErrors: problems.map(([field, message]) => ({ code: "INVALID_INPUT", message: `${field} ${message}.`, field: ["input", field] })) };
    }
    const config = await ctx.services.scheduler.update(patch, { reason: reason ?? null, actor: `account:${admin.id}`, account: admin });
    return { config, userErrors: [] };
  },
};
