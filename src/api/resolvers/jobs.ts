import { GraphQLError } from "graphql";
import type { JobResolvers, MutationResolvers, QueryResolvers } from "../../generated/graphql.js";
import { encodeCursor, InvalidCursorError, MAX_PAGE_SIZE } from "../../jobs/service.js";
import type { Resolution } from "../../config/config.js";
import { requireAccount } from "../context.js";
import { estimateEta } from "../eta.js";
import { liveJobValues } from "../progress.js";
import { ownerAttempts, ownerTimeline, timeInSystemSeconds } from "../../timeline/views.js";
import { removalFields, retainedUntil } from "./removal.js";
import { signedVideo } from "../video-urls.js";
import { jobCostFields } from "./limits.js";
import { deliveryHold } from "../../safety/switches/delivery.js";

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
}

export const jobQueries: Pick<QueryResolvers, "job" | "jobs"> = {
  job: (_parent, { id }, ctx) => ctx.services.jobs.get(requireAccount(ctx), id),

  jobs: async (_parent, { first, after, filter }, ctx) => {
    const account = requireAccount(ctx);
    const size = first ?? 20;
    if (size < 1 || size > MAX_PAGE_SIZE) throw badInput(`first must be 1 to ${MAX_PAGE_SIZE}.`);
    try {
      const page = await ctx.services.jobs.list(account, size, after ?? null, filter ?? {});
      const edges = page.jobs.map((job) => ({ cursor: encodeCursor(job), node: job }));
      return { edges, nodes: page.jobs, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw badInput("The `after` cursor is not valid.");
      throw error;
    }
  },
};

export const jobMutations: Pick<MutationResolvers, "generateVideo" | "cancelJob"> = {
  // A one-off webhook URL is checked (SSRF policy) before anything is queued; its secret is shown only to
  // the request that made the job (an idempotent replay gets null).
  generateVideo: async (_parent, { input }, ctx) => {
    const account = requireAccount(ctx);
    let webhook: { url: string; sealedSecret: string } | undefined;
    let secret: string | null = null;
    if (input.webhookUrl != null) {
      const bad = await ctx.services.webhooks.checkUrl(input.webhookUrl, ["input", "webhookUrl"]);
      if (bad) return { job: null, userErrors: [bad] };
      const [plain, sealedSecret] = ctx.services.webhooks.newJobSecret();
      webhook = { url: input.webhookUrl, sealedSecret };
      secret = plain;
    }
    const payload = await ctx.services.jobs.submit(account, input, webhook);
    // The RateLimit headers of this HTTP response (src/api/rate-limit-headers.ts).
    if (payload.rateLimit) {
      const refusal = payload.userErrors.find((e) => (e.code === "RATE_LIMITED" || e.code === "QUOTA_EXCEEDED") && e.retryAfterSeconds !== undefined);
      ctx.rateLimit = { policies: payload.rateLimit, retryAfterSeconds: refusal?.retryAfterSeconds };
    }
    if (!webhook) return payload;
    return { ...payload, webhookSecret: payload.job?.webhookSecret === webhook.sealedSecret ? secret : null };
  },
  cancelJob: (_parent, { id }, ctx) => ctx.services.jobs.cancel(requireAccount(ctx), id),
};

export const Job: JobResolvers = {
  resolution: (job) => job.resolution as Resolution,
  seed: (job) => Number(job.seed),
  // A running job's row takes its step count only every few seconds; the steps this process has heard go ahead of it.
  stepsCompleted: (job, _args, ctx) => ctx.services.progress.stepsOf(job),
  queuePosition: (job, _args, ctx) => {
    if (job.status !== "QUEUED") return null;
    return liveJobValues.get(job)?.queuePosition ?? ctx.loaders.queuePosition.load(job.id);
  },
  etaSeconds: async (job, _args, ctx) => {
    const live = liveJobValues.get(job);
    if (live) return live.etaSeconds;
    const position = job.status === "QUEUED" ? await ctx.loaders.queuePosition.load(job.id) : null;
    return estimateEta(job, position, await ctx.loaders.queueStats());
  },
  ...jobCostFields,
  cacheHit: (job) => (job.metadata as { cache?: { hit?: boolean } } | null)?.cache?.hit === true,
  // The durable timeline (src/timeline): the owner's view, without worker ids or internal details.
  timeline: async (job, _args, ctx) => ownerTimeline(await ctx.loaders.jobEvents.load(job.id)),
  attemptHistory: async (job, _args, ctx) => ownerAttempts(job, await ctx.loaders.jobEvents.load(job.id)),
  timeInSystemSeconds: (job) => timeInSystemSeconds(job),
  // An unclassified failure's text (stack traces, paths, database messages) stays in the row for
  // support; clients get a plain sentence.
  error: (job) => {
    if (!job.errorCode) return null;
    if (job.errorCode === "INTERNAL") return { code: "INTERNAL", message: "The job failed because of an internal error; it has been recorded." };
    return { code: job.errorCode, message: job.errorMessage ?? job.errorCode };
  },
  // The row keeps object keys; each read signs fresh expiring URLs (the clip, its poster and spritesheet),
  // signed for this job so they answer 410 once its outputs are removed. A job whose outputs were removed
  // has no video, so no URL.
  video: async (job, _args, ctx) => {
    if (job.removalReason) return null;
    // Held by the face-hold switch: no URL is signed (Job.deliveryHold says why).
    if (deliveryHold(job, ctx.services.switches.current)) return null;
    const video = await signedVideo(job.video, ctx.services, job.id);
    return video ? ({ ...video, retainedUntil: retainedUntil(job, await ctx.services.retention.current()) } as never) : null;
  },
  ...removalFields,
};
