// Removal (schema/removal.graphql): thin resolvers over RemovalService and AccountDeleter (src/removal),
// and what a job shows of it. Who may call each field is the authorisation matrix's business.
import type { JobResolvers, MutationResolvers, OutputRemovalReason, QueryResolvers } from "../../generated/graphql.js";
import type { JobRecord } from "../../jobs/service.js";
import type { Tier } from "../../config/config.js";
import { REDACTED_PROMPT } from "../../removal/sql.js";
import { requireAccount, type GraphQLContext } from "../context.js";

/** When a delivered clip is removed under its tier's retention; null when it is kept until deleted. */
export function retainedUntil(job: Pick<JobRecord, "tier" | "finishedAt">, retention: Record<Tier, number>): Date | null {
  const seconds = retention[job.tier];
  return seconds > 0 && job.finishedAt ? new Date(job.finishedAt.getTime() + seconds * 1000) : null;
}

export const removalFields: Pick<JobResolvers, "prompt" | "deletedAt" | "outputsRemovedAt" | "outputsRemovedReason"> = {
  // A BLOCKED or TAKEN_DOWN tombstone keeps its prompt in the row for the safety team, never shown.
  prompt: (job) => (job.deletedAt ? REDACTED_PROMPT : job.prompt),
  deletedAt: (job) => job.deletedAt ?? null,
  outputsRemovedAt: (job) => job.outputsRemovedAt ?? null,
  outputsRemovedReason: (job) => (job.removalReason ? (job.removalReason.toUpperCase() as OutputRemovalReason) : null),
};

async function staffAccount(ctx: GraphQLContext, accountId: string | null) {
  return accountId ? (await ctx.loaders.account.load(accountId)) ?? null : null;
}

const DAY = 86_400;
const inDays = (retention: Record<Tier, number>) => ({ freeDays: retention.FREE / DAY, plusDays: retention.PLUS / DAY });

export const removalQueries: Pick<QueryResolvers, "retentionConfig"> = {
  retentionConfig: async (_parent, _args, ctx) => inDays(await ctx.services.retention.current()),
};

export const removalMutations: Pick<MutationResolvers, "deleteJob" | "deleteAccount" | "staffDeleteAccount" | "takeDownJob" | "updateRetention"> = {
  updateRetention: async (_parent, { input, reason }, ctx) => {
    const { retention, userErrors } = await ctx.services.retention.update(requireAccount(ctx), { FREE: input.freeDays ?? undefined, PLUS: input.plusDays ?? undefined }, reason);
    return { retention: retention && inDays(retention), userErrors };
  },
  deleteJob: (_parent, { id }, ctx) => ctx.services.removal.deleteJob(requireAccount(ctx), id),
  deleteAccount: async (_parent, { confirm }, ctx) => {
    const { deletedJobs, userErrors } = await ctx.services.accountDeletion.deleteOwn(requireAccount(ctx), confirm);
    return { deletedJobs, userErrors };
  },
  staffDeleteAccount: async (_parent, { accountId, reason }, ctx) => {
    const result = await ctx.services.accountDeletion.deleteByStaff(requireAccount(ctx), accountId, reason);
    return { account: await staffAccount(ctx, result.accountId), deletedJobs: result.deletedJobs, userErrors: result.userErrors };
  },
  takeDownJob: async (_parent, { id, reason }, ctx) => {
    const { job, userErrors } = await ctx.services.removal.takeDown({ jobId: id, reason, actor: { kind: "staff", accountId: requireAccount(ctx).id } });
    return { job, userErrors };
  },
};
