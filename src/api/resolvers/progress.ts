import { GraphQLError } from "graphql";
import type { JobProgressResolvers, SubscriptionResolvers } from "../../generated/graphql.js";
import { requireAccount } from "../context.js";
import type { JobProgressEvent } from "../progress.js";

export const Subscription: SubscriptionResolvers = {
  jobProgress: {
    // The stream's first event is awaited before the subscription starts, so a missing (or someone
    // else's) job is a plain GraphQL error; that first read is shared by the subscriptions of the job
    // starting at the same time (src/api/progress.ts).
    subscribe: async (_parent, { id }, ctx) => {
      const account = requireAccount(ctx);
      // A plain iterator rather than a generator: graphql-ws calls return() when the client leaves, and
      // a suspended generator would only see that after the job's next change (a leak while it waits).
      const closed = new AbortController();
      const stream = ctx.services.progress.follow(account, id, closed.signal);
      let first: IteratorResult<JobProgressEvent> | null = await stream.next();
      if (first.done) throw new GraphQLError(`No job with id ${JSON.stringify(id)}.`, { extensions: { code: "NOT_FOUND" } });
      const iterator: AsyncIterableIterator<{ jobProgress: JobProgressEvent }> = {
        [Symbol.asyncIterator]() { return iterator; },
        async next() {
          const step = first ?? await stream.next();
          first = null;
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
  previewUrl: (event, _args, ctx) => (event.previewKey ? ctx.services.signer.sign(event.previewKey, Date.now(), event.job.id).url : null),
};
