// The authorisation matrix: every root field of the schema (Query, Mutation, Subscription) -> the roles
// that may call it and how far it reaches. It is enforced in one place, `enforceAuthorization`, which
// wraps every root field's resolver (and a subscription's subscribe) in the executable schema, so HTTP
// and the WebSocket run the same check before any resolver code. A root field without an entry stops
// the schema from being built (fail closed), and test/authorization.test.ts walks every field for every
// role. docs/AUTHORIZATION.md is rendered from this table (`npm run docs:authorization`; a test checks
// it is current).
//
// Roles come from the authenticated key's account (src/api/context.ts), never from arguments.
import { GraphQLError, defaultFieldResolver, isObjectType, type GraphQLFieldConfig, type GraphQLSchema } from "graphql";
import { ROLES, type Role } from "../accounts/accounts.js";
import { requireAccount, type GraphQLContext } from "./context.js";

/**
 * How far a field reaches, once the role is allowed:
 * - OWN: only the caller's own account (another account's id answers like one that does not exist);
 * - FLEET: fleet-wide figures or settings, no other account's data;
 * - ANY_ACCOUNT: any account's data (staff tools); actions among them are audited.
 */
export type Scope = "OWN" | "FLEET" | "ANY_ACCOUNT";

export interface FieldAccess {
  roles: readonly Role[];
  scope: Scope;
  /** whether each successful call writes an audit_log row */
  audited?: boolean;
}

const EVERYONE: readonly Role[] = ROLES;
const STAFF: readonly Role[] = ["SUPPORT", "ADMIN"];
const ADMIN: readonly Role[] = ["ADMIN"];

export const AUTHORIZATION: Readonly<Record<string, FieldAccess>> = {
  // The caller's own account, jobs and keys: every role, scoped to the caller.
  "Query.me": { roles: EVERYONE, scope: "OWN" },
  "Query.job": { roles: EVERYONE, scope: "OWN" },
  "Query.jobs": { roles: EVERYONE, scope: "OWN" },
  "Query.apiKeys": { roles: EVERYONE, scope: "OWN" },
  "Mutation.generateVideo": { roles: EVERYONE, scope: "OWN" },
  "Mutation.cancelJob": { roles: EVERYONE, scope: "OWN" },
  "Mutation.deleteJob": { roles: EVERYONE, scope: "OWN" },
  "Mutation.deleteAccount": { roles: EVERYONE, scope: "OWN" },
  "Mutation.createApiKey": { roles: EVERYONE, scope: "OWN" },
  "Mutation.revokeApiKey": { roles: EVERYONE, scope: "OWN" },
  "Mutation.rotateApiKey": { roles: EVERYONE, scope: "OWN" },
  "Subscription.jobProgress": { roles: EVERYONE, scope: "OWN" },
  // The model's card (name, version, the prompts it knows): the same for everyone, no account data.
  "Query.model": { roles: EVERYONE, scope: "FLEET" },
  // The caller's own webhooks (endpoints, their delivery log): every role, scoped to the caller.
  "Query.webhookEndpoints": { roles: EVERYONE, scope: "OWN" },
  "Query.webhookDeliveries": { roles: EVERYONE, scope: "OWN" },
  "Mutation.createWebhookEndpoint": { roles: EVERYONE, scope: "OWN" },
  "Mutation.updateWebhookEndpoint": { roles: EVERYONE, scope: "OWN" },
  "Mutation.disableWebhookEndpoint": { roles: EVERYONE, scope: "OWN" },
  "Mutation.deleteWebhookEndpoint": { roles: EVERYONE, scope: "OWN" },
  "Mutation.rotateWebhookSecret": { roles: EVERYONE, scope: "OWN" },
  "Mutation.redeliverWebhook": { roles: EVERYONE, scope: "OWN" },
  "Mutation.sendTestWebhook": { roles: EVERYONE, scope: "OWN" },
  // Operational reads: fleet-wide, for staff only.
  "Query.sloReport": { roles: STAFF, scope: "FLEET" },
  "Query.alarms": { roles: STAFF, scope: "FLEET" },
  "Query.regenerationRate": { roles: STAFF, scope: "FLEET" },
  "Query.fleetPlan": { roles: STAFF, scope: "FLEET" },
  "Query.schedulerConfig": { roles: STAFF, scope: "FLEET" },
  "Query.usageLimits": { roles: STAFF, scope: "FLEET" },
  "Query.safetyRules": { roles: STAFF, scope: "FLEET" },
  "Query.safetyRuleSetVersion": { roles: STAFF, scope: "FLEET" },
  "Query.retentionConfig": { roles: STAFF, scope: "FLEET" },
  "Query.safetySwitches": { roles: STAFF, scope: "FLEET" },
  // Settings changes: admins, audited.
  "Mutation.updateSchedulerConfig": { roles: ADMIN, scope: "FLEET", audited: true },
  "Mutation.updateUsageLimits": { roles: ADMIN, scope: "FLEET", audited: true },
  "Mutation.addSafetyRule": { roles: ADMIN, scope: "FLEET", audited: true },
  "Mutation.disableSafetyRule": { roles: ADMIN, scope: "FLEET", audited: true },
  "Mutation.updateRetention": { roles: ADMIN, scope: "FLEET", audited: true },
  "Mutation.updateSafetySwitches": { roles: ADMIN, scope: "FLEET", audited: true },
  // The hash bank: what blocks a clip as CSAM is an admin's to see and change.
  "Query.hashBankEntries": { roles: ADMIN, scope: "FLEET" },
  "Query.hashBankVersion": { roles: ADMIN, scope: "FLEET" },
  "Mutation.addHashBankEntry": { roles: ADMIN, scope: "FLEET", audited: true },
  "Mutation.disableHashBankEntry": { roles: ADMIN, scope: "FLEET", audited: true },
  // Safety incidents name rules and bank entries, never an account: staff review, admins annotate.
  "Query.safetyIncidents": { roles: STAFF, scope: "FLEET" },
  "Mutation.annotateSafetyIncident": { roles: ADMIN, scope: "FLEET", audited: true },
  // Staff tools across accounts.
  "Query.staffJob": { roles: STAFF, scope: "ANY_ACCOUNT" },
  "Query.staffJobs": { roles: STAFF, scope: "ANY_ACCOUNT" },
  "Query.staffAccount": { roles: STAFF, scope: "ANY_ACCOUNT" },
  "Query.staffAccounts": { roles: STAFF, scope: "ANY_ACCOUNT" },
  "Query.accountUsage": { roles: STAFF, scope: "ANY_ACCOUNT" },
  "Query.auditLog": { roles: ADMIN, scope: "ANY_ACCOUNT" },
  // Support's actions: stop harm quickly (cancel, revoke, suspend) and undo failures (retry).
  "Mutation.staffCancelJob": { roles: STAFF, scope: "ANY_ACCOUNT", audited: true },
  "Mutation.staffRetryJob": { roles: STAFF, scope: "ANY_ACCOUNT", audited: true },
  "Mutation.staffRevokeApiKey": { roles: STAFF, scope: "ANY_ACCOUNT", audited: true },
  "Mutation.suspendAccount": { roles: STAFF, scope: "ANY_ACCOUNT", audited: true },
  "Mutation.takeDownJob": { roles: STAFF, scope: "ANY_ACCOUNT", audited: true },
  // What grants or restores service is an admin's.
  "Mutation.reactivateAccount": { roles: ADMIN, scope: "ANY_ACCOUNT", audited: true },
  "Mutation.setAccountTier": { roles: ADMIN, scope: "ANY_ACCOUNT", audited: true },
  "Mutation.staffDeleteAccount": { roles: ADMIN, scope: "ANY_ACCOUNT", audited: true },
};

export function forbidden(field: string, roles: readonly Role[]): GraphQLError {
  return new GraphQLError(`${field} is for ${roles.join(" or ")} keys only.`, { extensions: { code: "FORBIDDEN", http: { status: 403 } } });
}

/** The root fields of a schema, as "Type.field". */
export function rootFields(schema: GraphQLSchema): string[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .flatMap((type) => (type ? Object.keys(type.getFields()).map((name) => `${type.name}.${name}`) : []));
}

/** Throws for the caller this access refuses: UNAUTHENTICATED (no key) or FORBIDDEN (role). */
export function authorize(ctx: GraphQLContext, field: string, access: FieldAccess): void {
  const account = requireAccount(ctx);
  if (!access.roles.includes(account.role)) throw forbidden(field, access.roles);
}

/**
 * Wraps every root field of `schema` (in place) with its matrix entry's check. A root field missing from
 * the matrix, or an entry naming no field, is an error at start-up.
 */
export function enforceAuthorization(schema: GraphQLSchema, matrix: Readonly<Record<string, FieldAccess>> = AUTHORIZATION): GraphQLSchema {
  const fields = rootFields(schema);
  const missing = fields.filter((f) => !matrix[f]);
  const stale = Object.keys(matrix).filter((f) => !fields.includes(f));
  if (missing.length || stale.length) {
    throw new Error(`the authorisation matrix (src/api/authorization.ts) is out of step with the schema: ${
      [...missing.map((f) => `${f} has no entry`), ...stale.map((f) => `${f} is not in the schema`)].join("; ")}`);
  }
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type || !isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const name = `${type.name}.${field.name}`;
      const access = matrix[name]!;
      const config = field as unknown as GraphQLFieldConfig<unknown, GraphQLContext>;
      if (type === schema.getSubscriptionType()) {
        const subscribe = config.subscribe;
        config.subscribe = (parent, args, ctx, info) => {
          authorize(ctx, name, access);
          return subscribe!(parent, args, ctx, info);
        };
      } else {
        const resolve = config.resolve ?? defaultFieldResolver;
        config.resolve = (parent, args, ctx, info) => {
          authorize(ctx, name, access);
          return resolve(parent, args, ctx, info);
        };
      }
    }
  }
  return schema;
}

/** The matrix as a Markdown table (docs/AUTHORIZATION.md). */
export function renderAuthorizationTable(matrix: Readonly<Record<string, FieldAccess>> = AUTHORIZATION): string {
  const lines = [
    "# Authorisation matrix",
    "",
    "Generated from `src/api/authorization.ts` by `npm run docs:authorization`; do not edit by hand.",
    "Every root field of the GraphQL schema, the roles whose keys may call it, and how far it reaches:",
    "OWN (the caller's own account only; another account's id answers like one that does not exist),",
    "FLEET (fleet-wide figures or settings, no other account's data), ANY_ACCOUNT (staff tools across",
    "accounts). A role not listed gets `FORBIDDEN` (HTTP 403); no key gets `UNAUTHENTICATED` (401); a",
    "suspended account's key gets `ACCOUNT_SUSPENDED` (403) for every field. Audited: each successful call",
    "appends one row to the append-only `audit_log`, in the action's own transaction.",
    "",
    `| Field | ${ROLES.join(" | ")} | Scope | Audited |`,
    `|---|${ROLES.map(() => ":-:").join("|")}|---|:-:|`,
  ];
  for (const [field, access] of Object.entries(matrix).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| \`${field}\` | ${ROLES.map((r) => (access.roles.includes(r) ? "yes" : "—")).join(" | ")} | ${access.scope} | ${access.audited ? "yes" : ""} |`);
  }
  return lines.join("\n") + "\n";
}
