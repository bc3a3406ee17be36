// Rate limits, quotas, usage and cost: me.usage, me.limits.rate, Job.gpuSeconds / costDollars and the
// request options on Job; the admins' usageLimits settings (audited, hot-reloaded: src/limits/store.ts).
import type { AccountResolvers, MutationResolvers, QueryResolvers, RateLimits, TierLimitsResolvers, UsageLimitsConfig as UsageLimitsConfigView } from "../../generated/graphql.js";
import { costDollars, gpuSecondsOf } from "../../jobs/gpu-time.js";
import type { JobRecord } from "../../jobs/service.js";
import { limitsPatchProblems, type UsageLimitsConfig, type UsageLimitsPatch } from "../../limits/store.js";
import type { RateLimitsView } from "../../limits/usage.js";
import { requireAccount } from "../context.js";

function rateLimitsView(view: RateLimitsView): RateLimits {
  return { ...view, policies: view.policies.map((p) => ({ ...p, resetSeconds: p.resetSeconds === null ? null : Math.ceil(p.resetSeconds) })) };
}

function configView(c: UsageLimitsConfig): UsageLimitsConfigView {
  return { version: c.version, free: c.tiers.FREE, plus: c.tiers.PLUS, updatedBy: c.updatedBy, reason: c.reason, updatedAt: c.updatedAt };
}

export const usageAccountFields: Pick<AccountResolvers, "usage"> = {
  usage: async (account, { window }, ctx) => {
    const report = await ctx.services.usage.report(account, window);
    return { ...report, byStatus: report.byStatus.map((r) => ({ ...r, status: r.status as never })), limits: rateLimitsView(report.limits) };
  },
};

export const TierLimits: TierLimitsResolvers = {
  // Only `me` reaches an Account, so the limits are the caller's.
  rate: async (_limits, _args, ctx) => rateLimitsView(await ctx.services.usage.rateLimits(requireAccount(ctx))),
};

export const jobCostFields = {
  negativePrompt: (job: JobRecord) => (job.metadata as { negativePrompt?: string } | null)?.negativePrompt ?? null,
  gpuSeconds: (job: JobRecord) => gpuSecondsOf(job),
  costDollars: (job: JobRecord, _args: unknown, ctx: { services: { config: { gpuHourlyCost: number } } }) => {
    const seconds = gpuSecondsOf(job);
    return seconds === null ? null : costDollars(seconds, ctx.services.config.gpuHourlyCost);
  },
};

export const limitsQueries: Pick<QueryResolvers, "usageLimits"> = {
  usageLimits: (_parent, _args, ctx) => configView(ctx.services.limits.current),
};

export const limitsMutations: Pick<MutationResolvers, "updateUsageLimits"> = {
  updateUsageLimits: async (_parent, { input }, ctx) => {
    const admin = requireAccount(ctx); // an ADMIN: the authorisation matrix (../authorization.ts) checked it
    const { reason, ...fields } = input;
    const patch = Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null)) as UsageLimitsPatch;
    const problems = limitsPatchProblems(patch);
    if (problems.length) {
      return { config: null, userErrors: problems.map(([field, message]) => ({ code: "INVALID_INPUT", message: `${field} ${message}.`, field: ["input", field] })) };
    }
    const config = await ctx.services.limits.update(patch, { reason: reason ?? null, actor: `account:${admin.id}`, account: admin });
    return { config: configView(config), userErrors: [] };
  },
};
