// What each field of the schema costs the cost model (src/api/limits.ts), and how many items a list
// field is assumed to return. Every field costs at least 1 (`__typename` included); a field that does
// real work costs what that work is worth against KINEMA_MAX_QUERY_COST (default 5,000): one `sloReport`
// (a percentile aggregation over up to 30 days of jobs) costs 900, so one operation runs at
// most five. A field that is not listed costs 1; a list field that is not listed and takes no `first`
// counts as DEFAULT_LIST_SIZE items, so a new field is over-priced rather than free.
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, type GraphQLSchema } from "graphql";

export const FIELD_WEIGHTS: Readonly<Record<string, number>> = {
  // Reads of one row or of the caller's own page: a statement each.
  "Query.job": 5,
  "Query.jobs": 10,
  "Query.safetyRules": 20,
  "Query.safetyRuleSetVersion": 5,
  "Query.schedulerConfig": 5,
  // Fleet-wide aggregations over the jobs table.
  "Query.sloReport": 900,
  "Query.fleetPlan": 200, // a mean over the last SUCCEEDED jobs when gpuSecondsPerClip is omitted
  "Query.alarms": 100, // evaluates every alarm (three aggregations) when no evaluation is cached
  // Staff reads (they are held to the same KINEMA_MAX_QUERY_COST as everyone): one statement each, a
  // page's owners and keys batched (StaffJob.account, StaffAccount.apiKeys: one statement per page).
  "Query.staffJob": 5,
  "Query.staffJobs": 10,
  "Query.staffAccount": 5,
  "Query.staffAccounts": 10,
  "Query.accountUsage": 200, // a grouped aggregation over up to 92 days of one account's jobs
  "Query.auditLog": 10,
  "Query.webhookDeliveries": 10,
  "StaffJob.account": 2,
  "StaffAccount.apiKeys": 2,
  // Per-job extras: a batched statement (queue position, ETA) or a URL signature per job.
  "Job.queuePosition": 5,
  "Job.etaSeconds": 5,
  "Job.video": 5,
  "JobProgress.previewUrl": 2,
  // Writes: each also counts against KINEMA_MAX_MUTATIONS.
  "Mutation.generateVideo": 100, // safety pre-filter, idempotency lookup and an insert
  "Mutation.cancelJob": 20,
  "Mutation.addSafetyRule": 50,
  "Mutation.disableSafetyRule": 50,
  "Mutation.updateSchedulerConfig": 50,
  "Subscription.jobProgress": 20,
  // Staff actions: a transaction with its audit row (a suspension also cancels the account's jobs).
  "Mutation.staffCancelJob": 50,
  "Mutation.staffRetryJob": 50,
  "Mutation.staffRevokeApiKey": 50,
  "Mutation.suspendAccount": 100,
  "Mutation.reactivateAccount": 50,
  "Mutation.setAccountTier": 50,
};

/** A mutation root field that is not listed above: writes are never cheap. */
export const DEFAULT_MUTATION_WEIGHT = 50;

/**
 * `__schema` or `__type` in an operation's cost. What is under them is bounded separately, against
 * the size of a full schema download (see introspectionListSizes).
 */
export const INTROSPECTION_WEIGHT = 100;

/** Items a list field without `first` is assumed to return. */
export const LIST_SIZES: Readonly<Record<string, number>> = {
  // A connection's lists hold the page its field's `first` asked for, which multiplies already.
  "JobConnection.nodes": 1,
  "JobConnection.edges": 1,
  "Query.safetyRules": 200,
  "Query.alarms": 3,
  "SloReport.tiers": 2,
  "GenerateVideoPayload.userErrors": 3,
  "CancelJobPayload.userErrors": 3,
  "SafetyRulePayload.userErrors": 3,
  "SchedulerConfigPayload.userErrors": 3,
  "StaffJobConnection.nodes": 1,
  "AuditLogConnection.nodes": 1,
  // An account's keys as staff list them: at most MAX_STAFF_LISTED_KEYS (src/staff/sql/accounts.ts).
  "StaffAccount.apiKeys": 100,
  "AccountUsage.byStatus": 6,
  "StaffJobPayload.userErrors": 3,
  "StaffApiKeyPayload.userErrors": 3,
  "StaffAccountPayload.userErrors": 3,
  // a delivery's attempts: about 20 over a day's retry schedule (src/webhooks/retry.ts)
  "WebhookDelivery.attemptLog": 20,
};

export const DEFAULT_LIST_SIZE = 20;

/**
 * The introspection types' list fields, sized from the schema itself (the most types, fields,
 * arguments... any one list can hold), so that the cost of an introspection selection is an upper
 * bound on the entries of its response.
 */
export function introspectionListSizes(schema: GraphQLSchema): Record<string, number> {
  const types = Object.values(schema.getTypeMap());
  const most = (count: (t: (typeof types)[number]) => number) => Math.max(1, ...types.map(count));
  const fieldsOf = (t: (typeof types)[number]) => (isObjectType(t) || isInterfaceType(t) ? Object.values(t.getFields()) : []);
  const directives = schema.getDirectives();
  return {
    "__Schema.types": types.length,
    "__Schema.directives": Math.max(1, directives.length),
    "__Type.fields": most((t) => fieldsOf(t).length),
    "__Type.inputFields": most((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0)),
    "__Type.enumValues": most((t) => (isEnumType(t) ? t.getValues().length : 0)),
    "__Type.interfaces": most((t) => (isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().length : 0)),
    "__Type.possibleTypes": most((t) => (isUnionType(t) ? t.getTypes().length : isInterfaceType(t) ? schema.getPossibleTypes(t).length : 0)),
    "__Field.args": most((t) => Math.max(0, ...fieldsOf(t).map((f) => f.args.length))),
    "__Directive.args": Math.max(1, ...directives.map((d) => d.args.length)),
  };
}
