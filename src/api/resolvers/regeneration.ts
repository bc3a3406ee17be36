// Query.regenerationRate: the staff report over RegenerationReports (src/staff/regeneration.ts).
import { GraphQLError } from "graphql";
import type { QueryResolvers } from "../../generated/graphql.js";
import { StaffInputError } from "../../staff/search.js";

export const regenerationQueries: Pick<QueryResolvers, "regenerationRate"> = {
  regenerationRate: async (_parent, { from, to }, ctx) => {
    const reports = ctx.services.staff.regeneration;
    try {
      return { from, to, windowMinutes: reports.windowMinutes, days: await reports.byDay(from, to) };
    } catch (error) {
      if (error instanceof StaffInputError) {
        throw new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT", field: error.field, http: { status: 400 } } });
      }
      throw error;
    }
  },
};
