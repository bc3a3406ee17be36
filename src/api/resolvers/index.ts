import type { Resolvers } from "../../generated/graphql.js";
import { Account, accountQueries } from "./accounts.js";
import { costQueries } from "./cost.js";
import { HashBankEntry, hashBankMutations, hashBankQueries, SafetyIncident } from "./hash-bank.js";
import { Job, jobMutations, jobQueries } from "./jobs.js";
import { ApiKey, keyMutations, keyQueries } from "./keys.js";
import { JobProgress, Subscription } from "./progress.js";
import { SafetyRule, safetyMutations, safetyQueries } from "./safety.js";
import { schedulerMutations, schedulerQueries } from "./scheduler.js";
import { sloQueries } from "./slo.js";
import { limitsMutations, limitsQueries, TierLimits, usageAccountFields } from "./limits.js";
import { AuditEntry, StaffAccount, StaffJob, staffMutations, staffQueries } from "./staff.js";
import { DateTime } from "./scalars.js";
import { modelQueries } from "./model.js";
import { regenerationQueries } from "./regeneration.js";
import { webhookMutations, webhookQueries } from "./webhooks.js";
import { removalMutations, removalQueries } from "./removal.js";
import { jobDeliveryFields, safetySwitchMutations, safetySwitchQueries } from "./safety-switches.js";

export const resolvers: Resolvers = {
  DateTime,
  Query: { ...accountQueries, ...jobQueries, ...safetyQueries, ...costQueries, ...sloQueries, ...schedulerQueries, ...keyQueries, ...staffQueries, ...modelQueries, ...regenerationQueries, ...webhookQueries, ...removalQueries, ...limitsQueries, ...safetySwitchQueries, ...hashBankQueries },
  Mutation: { ...jobMutations, ...safetyMutations, ...schedulerMutations, ...keyMutations, ...staffMutations, ...webhookMutations, ...removalMutations, ...limitsMutations, ...safetySwitchMutations, ...hashBankMutations },
  Subscription,
  Account: { ...Account, ...usageAccountFields },
  TierLimits,
  ApiKey,
  Job: { ...Job, ...jobDeliveryFields },
  JobProgress,
  SafetyRule,
  HashBankEntry,
  SafetyIncident,
  StaffJob,
  StaffAccount,
  AuditEntry,
};
