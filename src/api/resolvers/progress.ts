import { GraphQLError } from "graphql";
import type { JobProgressResolvers, SubscriptionResolvers } from "../../generated/graphql.js";
import { requireAccount } from "../context.js";
import type { JobProgressEvent } from "../progress.js";

export const Subscription: SubscriptionResolvers = {
  jobProgress: {
    // Looked up before the stream starts, so a missing (or someone else's) job is a plain GraphQL error.
    subscribe: async (_parent, { id }, ctx) => {
      const account = requireAccount(ctx);
      const job = await ctx.services.jobs.get(account, id);
      if (!job) throw new GraphQLError(`No job with id ${JSON.stringify(id)}.`, { extensions: { code: "NOT_FOUND" } });
      const stream = ctx.services.progress.follow(account, job);
      return (async function* () {
        for await (const event of stream) {
          ctx.loaders.clear(); // each event is resolved against fresh data
          yield { jobProgress: event };
        }
      })();
    },
  },
};

export const JobProgress: JobProgressResolvers = {
  job: (event: JobProgressEvent) => event.job,
  status: (event) => event.job.status,
  stage: (event) => event.job.stage,
  step: (event) => event.job.stepsCompleted,
  totalSteps: (event) => event.job.stepBudget,
  previewUrl: (event, _args, ctx) => (event.previewKey ? ctx.services.signer.sign(event.previewKey).url : null),
};
