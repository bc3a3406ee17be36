import type { Resolvers } from "../../generated/graphql.js";
import { Account, accountQueries } from "./accounts.js";
import { Job, jobMutations, jobQueries } from "./jobs.js";
import { JobProgress, Subscription } from "./progress.js";
import { SafetyRule, safetyMutations, safetyQueries } from "./safety.js";
import { DateTime } from "./scalars.js";

export const resolvers: Resolvers = {
  DateTime,
  Query: { ...accountQueries, ...jobQueries, ...safetyQueries },
  Mutation: { ...jobMutations, ...safetyMutations },
  Subscription,
  Account,
  Job,
  JobProgress,
  SafetyRule,
};
