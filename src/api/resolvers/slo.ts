import { GraphQLError } from "graphql";
import type { QueryResolvers } from "../../generated/graphql.js";
import { MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, sloReport } from "../../ops/slo.js";
import { requireAccount } from "../context.js";

// Staff only (SUPPORT, ADMIN), as the authorisation matrix (../authorization.ts) says: fleet-wide
// operational figures are not for customers.
export const sloQueries: Pick<QueryResolvers, "sloReport" | "alarms"> = {
  sloReport: (_parent, { window }, ctx) => {
    requireAccount(ctx);
    if (!Number.isInteger(window) || window < MIN_WINDOW_SECONDS || window > MAX_WINDOW_SECONDS) {
      throw new GraphQLError(`window must be ${MIN_WINDOW_SECONDS} to ${MAX_WINDOW_SECONDS} seconds.`, { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
    }
    return sloReport(ctx.services.sql, ctx.services.config.slo, window);
  },
  alarms: async (_parent, _args, ctx) => {
    requireAccount(ctx);
    return (await ctx.services.alarms?.list()) ?? [];
  },
};
