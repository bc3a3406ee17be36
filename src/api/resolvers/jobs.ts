import { GraphQLError } from "graphql";
import type { JobResolvers, MutationResolvers, QueryResolvers } from "../../generated/graphql.js";
import { encodeCursor, InvalidCursorError, MAX_PAGE_SIZE } from "../../jobs/service.js";
import type { Resolution } from "../../config/config.js";
import { requireAccount } from "../context.js";
import { estimateEta } from "../eta.js";
import { liveJobValues } from "../progress.js";
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
  generateVideo: (_parent, { input }, ctx) => ctx.services.jobs.submit(requireAccount(ctx), input),
  cancelJob: (_parent, { id }, ctx) => ctx.services.jobs.cancel(requireAccount(ctx), id),
};

export const Job: JobResolvers = {
  resolution: (job) => job.resolution as Resolution,
  seed: (job) => Number(job.seed),
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
  cacheHit: (job) => (job.metadata as { cache?: { hit?: boolean } } | null)?.cache?.hit === true,
  // The timeline's contract (schema/timeline.graphql); the durable events come with the job_events table.
  timeline: () => [],
  attemptHistory: () => [],
  timeInSystemSeconds: () => null,
  // An unclassified failure's text (stack traces, paths, database messages) stays in the row for
  // support; clients get a plain sentence.
  error: (job) => {
    if (!job.errorCode) return null;
    if (job.errorCode === "INTERNAL") return { code: "INTERNAL", message: "The job failed because of an internal error; it has been recorded." };
    return { code: job.errorCode, message: job.errorMessage ?? job.errorCode };
  },
  // The row keeps the object key; each read makes a fresh expiring URL: the store's own presigned URL
  // when it has one (S3), else one the API signs and serves at /files/.
  video: async (job, _args, ctx) => {
    const video = job.video as { key?: string } | null;
    if (!video?.key) return null;
    const { store, signer, config, switches } = ctx.services;
    // Held by the face-hold switch: no URL is signed (Job.deliveryHold says why).
    if (deliveryHold(job, switches.current)) return null;
    const { url, expiresAt } = store.presign ? await store.presign(video.key, config.delivery.urlTtlSeconds) : signer.sign(video.key);
    return { ...(video as object), url, expiresAt } as never;
  },
};
