import type { AccountResolvers, QueryResolvers } from "../../generated/graphql.js";
import { resolutionsUpTo } from "../../jobs/policy.js";
import { requireAccount } from "../context.js";

export const accountQueries: Pick<QueryResolvers, "me"> = {
  me: (_parent, _args, ctx) => requireAccount(ctx),
};

export const Account: AccountResolvers = {
  limits: (account, _args, ctx) => {
    const limits = ctx.services.config.tiers[account.tier];
    // `rate`: its own resolver (a database reading, only when asked for).
    return { ...limits, resolutions: resolutionsUpTo(limits.maxResolution) } as never;
  },
};
