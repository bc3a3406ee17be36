// The staff side (schema/staff.graphql): thin resolvers over StaffSearch and StaffActions. Who may call
// each field is decided by the authorisation matrix (../authorization.ts) before these run.
import { GraphQLError } from "graphql";
import type {
  AuditEntryResolvers, MutationResolvers, QueryResolvers, StaffAccountResolvers, StaffJobResolvers,
} from "../../generated/graphql.js";
import { listAudit, MAX_AUDIT_PAGE } from "../../audit/audit-log.js";
import { encodeStaffCursor, StaffInputError } from "../../staff/search.js";
import { requireAccount } from "../context.js";
import { staffAttempts, staffTimeline } from "../../timeline/views.js";

function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", field, http: { status: 400 } } });
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StaffInputError) throw badInput(error.field, error.message);
    throw error;
  }
}

export const staffQueries: Pick<QueryResolvers, "staffJob" | "staffJobs" | "staffAccount" | "staffAccounts" | "accountUsage" | "auditLog"> = {
  staffJob: (_parent, { id }, ctx) => ctx.services.staff.search.job(id),
  staffJobs: (_parent, { first, after, filter }, ctx) => guarded(async () => {
    const page = await ctx.services.staff.search.jobs({ ...filter, status: filter?.status ?? null }, first ?? 20, after ?? null);
    return { nodes: page.jobs, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.jobs.length ? encodeStaffCursor(page.jobs.at(-1)!) : null } };
  }),
  staffAccount: async (_parent, { id }, ctx) => (/^[0-9a-f-]{36}$/i.test(id) ? ctx.loaders.account.load(id.toLowerCase()) : null),
  staffAccounts: (_parent, { search, first }, ctx) => guarded(() => ctx.services.staff.search.accounts(search, first ?? 20)),
  accountUsage: (_parent, { accountId, from, to }, ctx) => guarded(async () => {
    const rows = await ctx.services.staff.search.usage(accountId, from, to);
    return {
      accountId, from, to,
      jobs: rows.reduce((n, r) => n + r.jobs, 0),
      byStatus: rows.map((r) => ({ status: r.status as never, count: r.jobs })),
      gpuSeconds: rows.reduce((n, r) => n + r.gpuSeconds, 0),
    };
  }),
  auditLog: async (_parent, { filter, first, after }, ctx) => {
    const size = first ?? 50;
    if (!Number.isInteger(size) || size < 1 || size > MAX_AUDIT_PAGE) throw badInput("first", `first must be 1 to ${MAX_AUDIT_PAGE}.`);
    if (after != null && !/^\d{1,18}$/.test(after)) throw badInput("after", "The `after` cursor is not valid.");
    if (filter?.actorAccountId != null && !/^[0-9a-f-]{36}$/i.test(filter.actorAccountId)) throw badInput("filter.actorAccountId", "Not an account id.");
    const rows = await listAudit(ctx.services.sql, filter ?? {}, size + 1, after ?? null);
    const nodes = rows.slice(0, size);
    return { nodes, pageInfo: { hasNextPage: rows.length > size, endCursor: nodes.at(-1)?.id ?? null } };
  },
};

export const staffMutations: Pick<MutationResolvers,
  "staffCancelJob" | "staffRetryJob" | "staffRevokeApiKey" | "suspendAccount" | "reactivateAccount" | "setAccountTier"> = {
  staffCancelJob: (_parent, { id, reason }, ctx) => ctx.services.staff.actions.cancelJob(requireAccount(ctx), id, reason),
  staffRetryJob: (_parent, { id, reason }, ctx) => ctx.services.staff.actions.retryJob(requireAccount(ctx), id, reason),
  staffRevokeApiKey: (_parent, { id, reason }, ctx) => ctx.services.staff.actions.revokeKey(requireAccount(ctx), id, reason),
  suspendAccount: (_parent, { accountId, reason }, ctx) => ctx.services.staff.actions.suspend(requireAccount(ctx), accountId, reason),
  reactivateAccount: (_parent, { accountId, reason }, ctx) => ctx.services.staff.actions.reactivate(requireAccount(ctx), accountId, reason),
  setAccountTier: (_parent, { accountId, tier, reason }, ctx) => ctx.services.staff.actions.setTier(requireAccount(ctx), accountId, tier, reason),
};

export const StaffJob: StaffJobResolvers = {
  job: (job) => job,
  account: async (job, _args, ctx) => (await ctx.loaders.account.load(job.accountId))!,
  leaseOwner: (job) => job.leaseOwner,
  errorMessage: (job) => job.errorMessage,
  maxAttempts: (job) => job.maxAttempts,
  cancelRequestedAt: (job) => job.cancelRequestedAt,
  metadata: (job) => JSON.stringify(job.metadata ?? {}),
  // The full timeline (src/timeline): worker ids, fencing tokens, and each event's detail as JSON.
  timeline: async (job, _args, ctx) => staffTimeline(await ctx.loaders.jobEvents.load(job.id)),
  attemptHistory: async (job, _args, ctx) => staffAttempts(job, await ctx.loaders.jobEvents.load(job.id)),
  takedownReason: (job) => job.takedownReason ?? null,
};

export const StaffAccount: StaffAccountResolvers = {
  apiKeys: (account, _args, ctx) => ctx.loaders.accountKeys.load(account.id),
};

export const AuditEntry: AuditEntryResolvers = {
  before: (entry) => (entry.before == null ? null : JSON.stringify(entry.before)),
  after: (entry) => (entry.after == null ? null : JSON.stringify(entry.after)),
};
