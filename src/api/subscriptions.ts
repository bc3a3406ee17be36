// graphql-ws on the API's HTTP server. The socket authenticates once, in connection_init
// (`connectionParams.authorization`); a missing or bad key closes it with 4401. Every operation then
// re-checks that key through the key cache and runs with the account as it is now (tier, role); the
// SocketGuard closes sockets whose key was revoked (4403), caps sockets per account and per address
// (4430), closes idle ones (4410) and holds each account to a rate of operation starts (RATE_LIMITED).
// Each operation (query, mutation or subscription) is parsed and held to the same limits as HTTP
// before it is validated.
import type { GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { WebSocket, WebSocketServer } from "ws";
import { bearerKey } from "../accounts/keys.js";
import { isSuspended } from "../accounts/accounts.js";
import type { Logger } from "../log.js";
import type { ApiServices, GraphQLContext } from "./context.js";
import { createLoaders } from "./loaders.js";
import { admitOperation, type QueryLimiter } from "./limits.js";
import { maskInternal, refusal } from "./errors.js";
import { CloseCode } from "./close-codes.js";
import { SocketGuard } from "./socket-guard.js";

type SocketExtra = { socket: WebSocket };

/** `limiter`: the HTTP server's, so the introspection bound is measured once per process. */
export function attachSubscriptions(
  wsServer: WebSocketServer, schema: GraphQLSchema, limiter: QueryLimiter, services: ApiServices, log: Logger,
) {
  const { sockets: limits } = services.config;
  const guard = new SocketGuard(services.auth, limits, services.config.auth.cacheMs, log);
  guard.attach(wsServer);
  const stopListening = services.keys.onRevoked((keyHash) => guard.keyRevoked(keyHash));
  const stopSuspensions = services.staff.onAccountChanged((accountId) => void guard.accountChanged(accountId));
  // Made once and without a stack: a socket over its cap is refused once per message it sends (2,400
  // of these in bench:abuse's socket phase cost 0.7 s of CPU when each captured a stack).
  const tooMany = refusal(`At most ${limits.maxSubscriptions} operations per connection.`, { extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } });
  const revoked = refusal("The API key was revoked, or its account suspended.", { extensions: { code: "UNAUTHENTICATED" } });
  const server = useServer<Record<string, unknown> | undefined, SocketExtra>({
    schema,
    connectionInitWaitTimeout: limits.initTimeoutMs,
    onConnect: async (ctx) => {
      const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      const key = bearerKey(typeof raw === "string" ? raw : null);
      const principal = key ? await services.auth.authenticate(key) : null;
      if (!principal) {
        ctx.extra.socket.close(CloseCode.Unauthorized, "Unauthorized");
        return false;
      }
      if (isSuspended(principal.account)) {
        ctx.extra.socket.close(CloseCode.AccountSuspended, "ACCOUNT_SUSPENDED: this account is suspended");
        return false;
      }
      return guard.admit(ctx.extra.socket, principal, ctx.subscriptions as Record<string, unknown>);
    },
    onSubscribe: async (ctx, _id, payload) => {
      // The operation being started is already in ctx.subscriptions.
      if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptions) return [tooMany];
      const principal = await guard.principalFor(ctx.extra.socket);
      if (!principal) return [revoked];
      // Before the document is even parsed: an account starting operations faster than its budget
      // (each subscription start reads its job) is refused at the cost of a Map lookup.
      const refused = guard.spendOperation(principal.account.id);
      if (refused) return [refused];
      const admitted = admitOperation(limiter, schema, payload, principal.account.id);
      if (Array.isArray(admitted)) return admitted;
      const { document } = admitted;
      const contextValue: GraphQLContext = { account: principal.account, apiKeyId: principal.keyId, services, loaders: createLoaders(services) };
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
    },
    onComplete: (ctx) => guard.touch(ctx.extra.socket),
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => maskInternal(withoutHttp(e.toJSON()), e, log)) as never,
    onNext: (_ctx, _id, _payload, _args, result) => {
      if (!("errors" in result) || !result.errors) return;
      return { ...result, errors: result.errors.map((e) => maskInternal(e.toJSON(), e, log)) } as never;
    },
  }, wsServer);
  return {
    guard,
    async dispose() {
      stopListening();
      stopSuspensions();
      guard.stop();
      await server.dispose();
    },
  };
}

/** `extensions.http` (status, headers) is for HTTP responses; a socket's error message carries the rest. */
function withoutHttp<T extends { extensions?: Record<string, unknown> }>(formatted: T): T {
  if (!formatted.extensions || !("http" in formatted.extensions)) return formatted;
  const { http: _http, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}
