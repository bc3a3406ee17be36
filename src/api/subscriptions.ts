// graphql-ws on the API's HTTP server. The socket authenticates once, in connection_init
// (`connectionParams.authorization`); a missing or bad key closes it with 4401. Each operation (query,
// mutation or subscription) is parsed and held to the same limits as HTTP before it is validated.
import { GraphQLError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { WebSocketServer } from "ws";
import type { Account } from "../accounts/accounts.js";
import { bearerKey } from "../accounts/keys.js";
import type { Logger } from "../log.js";
import type { ApiServices, GraphQLContext } from "./context.js";
import { createLoaders } from "./loaders.js";
import { QueryLimiter, admitOperation } from "./limits.js";
import { maskInternal } from "./errors.js";

export const CLOSE_UNAUTHORIZED = 4401;
/** Live subscriptions one connection may hold: a page watches a handful of jobs, not thousands. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;

type SocketExtra = { account?: Account } & Record<string, unknown>;

export function attachSubscriptions(wsServer: WebSocketServer, schema: GraphQLSchema, services: ApiServices, log: Logger) {
  const limiter = new QueryLimiter(schema, services.config.limits);
  return useServer<Record<string, unknown> | undefined, SocketExtra>({
    schema,
    onConnect: async (ctx) => {
      const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      const key = bearerKey(typeof raw === "string" ? raw : null);
      const account = key ? await services.accounts.authenticate(key) : null;
      if (!account) {
        ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized");
        return false;
      }
      (ctx.extra as SocketExtra).account = account;
      return true;
    },
    onSubscribe: (ctx, _id, payload) => {
      if (Object.keys(ctx.subscriptions).length >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
        return [new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection.`, { extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } })];
      }
      const admitted = admitOperation(limiter, schema, payload, true); // the socket is authenticated
      if (Array.isArray(admitted)) return admitted;
      const { document } = admitted;
      const contextValue: GraphQLContext = { account: (ctx.extra as SocketExtra).account ?? null, services, loaders: createLoaders(services) };
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => maskInternal(e.toJSON(), e, log)) as never,
    onNext: (_ctx, _id, _payload, _args, result) => {
      if (!("errors" in result) || !result.errors) return;
      return { ...result, errors: result.errors.map((e) => maskInternal(e.toJSON(), e, log)) } as never;
    },
  }, wsServer);
}
