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
      // A plain iterator rather than a generator: graphql-ws calls return() when the client leaves, and
      // a suspended generator would only see that after the job's next change (a leak while it waits).
      const closed = new AbortController();
      const stream = ctx.services.progress.follow(account, job, closed.signal);
      const iterator: AsyncIterableIterator<{ jobProgress: JobProgressEvent }> = {
        [Symbol.asyncIterator]() { return iterator; },
        async next() {
          const step = await stream.next();
          if (step.done) return { done: true, value: undefined };
          ctx.loaders.clear(); // each event is resolved against fresh data
          return { done: false, value: { jobProgress: step.value } };
        },
        async return() {
          closed.abort();
          await stream.return(undefined);
          return { done: true, value: undefined };
        },
      };
      return iterator;
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
