// The caller's webhooks (schema/webhooks.graphql): thin resolvers over WebhookService, which scopes every
// call to the authenticated account.
import { GraphQLError } from "graphql";
import type { MutationResolvers, QueryResolvers } from "../../generated/graphql.js";
import { requireAccount } from "../context.js";

export const webhookQueries: Pick<QueryResolvers, "webhookEndpoints" | "webhookDeliveries"> = {
  webhookEndpoints: (_parent, _args, ctx) => ctx.services.webhooks.list(requireAccount(ctx)),
  webhookDeliveries: (_parent, { endpointId, jobId, first }, ctx) => {
    const account = requireAccount(ctx);
    const size = first ?? 20;
    if ((endpointId == null) === (jobId == null) || size < 1 || size > 100) {
      throw new GraphQLError("Pass exactly one of endpointId and jobId, and first from 1 to 100.", { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
    }
    return ctx.services.webhooks.deliveries(account, { endpointId, jobId }, size);
  },
};

export const webhookMutations: Pick<MutationResolvers,
  "createWebhookEndpoint" | "updateWebhookEndpoint" | "disableWebhookEndpoint" | "deleteWebhookEndpoint" | "rotateWebhookSecret" | "redeliverWebhook" | "sendTestWebhook"> = {
  createWebhookEndpoint: (_parent, args, ctx) => ctx.services.webhooks.create(requireAccount(ctx), args),
  updateWebhookEndpoint: (_parent, { id, ...input }, ctx) => ctx.services.webhooks.update(requireAccount(ctx), id, input),
  disableWebhookEndpoint: (_parent, { id }, ctx) => ctx.services.webhooks.disable(requireAccount(ctx), id),
  deleteWebhookEndpoint: (_parent, { id }, ctx) => ctx.services.webhooks.delete(requireAccount(ctx), id),
  rotateWebhookSecret: (_parent, { id, gracePeriodSeconds }, ctx) => ctx.services.webhooks.rotate(requireAccount(ctx), id, gracePeriodSeconds),
  redeliverWebhook: (_parent, { deliveryId }, ctx) => ctx.services.webhooks.redeliver(requireAccount(ctx), deliveryId),
  sendTestWebhook: (_parent, { endpointId }, ctx) => ctx.services.webhooks.sendTest(requireAccount(ctx), endpointId),
};
