// The per-request (HTTP) or per-operation (socket) context: who is calling, the services, and fresh
// DataLoaders. Authentication happens once here; resolvers only ask `requireAccount`.
import { GraphQLError } from "graphql";
import { isSuspended, type Account, type AccountService } from "../accounts/accounts.js";
import type { ApiKeyService } from "../accounts/api-keys.js";
import type { KeyAuthenticator } from "../accounts/authenticator.js";
import type { KeyUsageRecorder } from "../accounts/key-usage.js";
import { bearerKey } from "../accounts/keys.js";
import type { Config } from "../config/config.js";
import type { JobService } from "../jobs/service.js";
import type { Sql } from "../db/pool.js";
import type { ProgressHub } from "./progress.js";
import { createLoaders, type Loaders } from "./loaders.js";
import type { ObjectStore } from "../storage/store.js";
import type { UrlSigner } from "../storage/signed-urls.js";
import type { SafetyRuleService } from "../safety/prefilter/admin.js";
import type { SchedulerConfigStore } from "../scheduler/store.js";
import type { SafetySwitchStore } from "../safety/switches/service.js";
import type { AlarmEvaluator } from "../ops/alarms.js";
import type { StaffServices } from "../staff/setup.js";
import type { WebhookService } from "../webhooks/service.js";
import type { RemovalService } from "../removal/service.js";
import type { AccountDeleter } from "../removal/accounts.js";
import type { RetentionSettings } from "../removal/retention.js";
import type { UsageLimitsStore } from "../limits/store.js";
import type { UsageService } from "../limits/usage.js";
import type { RateLimitOutcome } from "./rate-limit-headers.js";

export interface ApiServices {
  accounts: AccountService;
  /** the callers' own key lifecycle: create, list, revoke, rotate */
  keys: ApiKeyService;
  /** key -> account, with a short cache (every HTTP request and socket operation asks it) */
  auth: KeyAuthenticator;
  /** last-use times noted in memory, written once a minute */
  keyUsage: KeyUsageRecorder;
  jobs: JobService;
  sql: Sql;
  progress: ProgressHub;
  config: Config;
  store: ObjectStore;
  signer: UrlSigner;
  safety: SafetyRuleService;
  /** the scheduler's settings (weights, caps, admission control), polled for changes */
  scheduler: SchedulerConfigStore;
  /** the trust-and-safety kill switches, polled for changes (the face hold, suspended categories, tightening) */
  switches: SafetySwitchStore;
  /** the process's alarm evaluator (Query.alarms) */
  alarms?: AlarmEvaluator;
  /** staff reads across accounts and audited actions, and who hears of an account change */
  staff: StaffServices;
  /** the caller's webhook endpoints and delivery log */
  webhooks: WebhookService;
  /** deleting jobs, taking clips down (src/removal) */
  removal: RemovalService;
  /** deleting whole accounts, by their owners or admins */
  accountDeletion: AccountDeleter;
  /** the tiers' retention periods in force */
  retention: RetentionSettings;
  /** every tier's rate limits and quotas, polled for changes */
  limits: UsageLimitsStore;
  /** me.usage and me.limits.rate */
  usage: UsageService;
}

export interface GraphQLContext {
  account: Account | null;
  /** the key that authenticated the request (null: anonymous) */
  apiKeyId: string | null;
  services: ApiServices;
  loaders: Loaders;
  /** HTTP: the query text the limits passed before Apollo ran (src/api/server.ts), so they are not checked twice */
  limitsChecked?: string;
  /** generateVideo: the caller's rate-limit policies after it, for the RateLimit response headers */
  rateLimit?: RateLimitOutcome;
}

export function unauthenticated(message = "A valid API key is required: Authorization: Bearer <key>."): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

/**
 * Builds a context from an Authorization value. No key: an anonymous context (introspection works, every
 * field that needs an account refuses). A key that is wrong or revoked: UNAUTHENTICATED at once.
 */
export async function buildContext(services: ApiServices, authorization: string | undefined | null): Promise<GraphQLContext> {
  if (!authorization) return { account: null, apiKeyId: null, services, loaders: createLoaders(services) };
  const key = bearerKey(authorization);
  const principal = key ? await services.auth.authenticate(key) : null;
  if (!principal) throw unauthenticated("The API key is not valid.");
  if (isSuspended(principal.account)) throw accountSuspended();
  return { account: principal.account, apiKeyId: principal.keyId, services, loaders: createLoaders(services) };
}

/** A suspended account's key: known, but refused (HTTP 403) until staff reactivate the account. */
export function accountSuspended(): GraphQLError {
  return new GraphQLError("This account is suspended; contact support.", { extensions: { code: "ACCOUNT_SUSPENDED", http: { status: 403 } } });
}

export function requireAccount(ctx: GraphQLContext): Account {
  if (!ctx.account) throw unauthenticated();
  return ctx.account;
}

