// The API: one HTTP server and one path, /graphql, for queries and mutations (HTTP, through Apollo
// Server) and subscriptions (graphql-ws over `ws`, protocol graphql-transport-ws). A browser opening
// /graphql gets the GraphQL IDE.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ApolloServer, HeaderMap, type GraphQLRequestContext } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { WebSocketServer } from "ws";
import type { Logger } from "../log.js";
import { buildContext, type ApiServices, type GraphQLContext } from "./context.js";
import { QueryLimiter } from "./limits.js";
import { maskInternal } from "./errors.js";
import { buildSchema } from "./schema.js";
import { attachSubscriptions } from "./subscriptions.js";
import { serveStatic } from "./static.js";
import { DatabaseReadiness } from "./readiness.js";
import { rateLimitHeadersPlugin } from "./rate-limit-headers.js";

export const GRAPHQL_PATH = "/graphql";

export interface ApiServer {
  httpServer: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(services: ApiServices, log: Logger): Promise<ApiServer> {
  const { config } = services;
  const schema = buildSchema();
  const limiter = new QueryLimiter(schema, config.limits);
  const httpServer = createServer();
  // Idle keep-alive connections stay open longer than clients keep them (undici's fetch: 4 s; proxies and
  // load balancers: typically 60 s), so the client always lets go first. With Node's default of 5 s, a
  // client can write its next request onto a connection the server is closing that moment (ECONNRESET);
  // an event loop stalled past the margin (a loaded machine, a long synchronous stage in embedded mode)
  // lost that race in the tests.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: config.limits.maxBodyBytes });
  const subscriptions = attachSubscriptions(wsServer, schema, limiter, services, log);
  const readiness = new DatabaseReadiness(config.databaseUrl ?? null, services.sql, log);

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true, // with an API key, one __schema/__type per operation, bounded (src/api/limits.ts)
    parseOptions: { maxTokens: config.limits.maxTokens },
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // Our process owns SIGTERM/SIGINT (src/process.ts): Apollo's handler would re-raise the signal
    // and cut the graceful shutdown (job hand-back, pool and PGlite close) short.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => maskInternal(formatted, error, log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      { async serverWillStart() { return { drainServer: async () => { await subscriptions.dispose(); } }; } },
      limitsPlugin(limiter),
      rateLimitHeadersPlugin(),
    ],
  });
  await apollo.start();

  httpServer.on("request", (req, res) => {
    handle(req, res).catch((error) => {
      log.error({ err: error }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/readyz" && (req.method === "GET" || req.method === "HEAD")) return readiness.respond(res);
    if (url.pathname !== GRAPHQL_PATH || wantsHtml(req)) {
      await serveStatic(req, res, url, services);
      return;
    }
    const body = await readBody(req, config.limits.maxBodyBytes);
    if (body === "too-large") return sendError(res, 413, "PAYLOAD_TOO_LARGE", `The request body is over ${config.limits.maxBodyBytes} bytes.`);
    let parsed: unknown = undefined;
    if (req.method === "POST") {
      try {
        parsed = body.length ? JSON.parse(body) : undefined;
      } catch {
        return sendError(res, 400, "BAD_REQUEST", "The request body is not valid JSON.");
      }
    }
    // The caller first (the key cache: a Map lookup), so the limits know the account; a bad key is
    // Apollo's to answer (UNAUTHENTICATED, 401), so here it counts as no key.
    const context = buildContext(services, req.headers.authorization);
    const caller = await context.catch(() => null);
    // The limits, before Apollo parses and validates: a refused document never reaches validation,
    // whose cost grows with the square of a repeated field (src/api/limits.ts).
    const checked = precheck(limiter, req, url, parsed, caller?.account?.id ?? null);
    if (checked instanceof GraphQLError) return sendGraphQLError(res, checked);
    if (caller && checked !== null) caller.limitsChecked = checked;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method?.toUpperCase() ?? "GET", headers, search: url.search, body: parsed },
      context: () => context,
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}${GRAPHQL_PATH}`;
  return {
    httpServer,
    url,
    async close() {
      await apollo.stop();
      await readiness.close();
    },
  };
}

function wantsHtml(req: IncomingMessage): boolean {
  return req.method === "GET" && (req.headers.accept ?? "").includes("text/html") && !new URL(req.url ?? "/", "http://x").searchParams.has("query");
}

/** The body as text, or "too-large" past `limit`. Events, not `for await`: the async iterator cost ~0.5 ms a request. */
function readBody(req: IncomingMessage, limit: number): Promise<string | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.resolve("too-large");
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        req.off("data", onData);
        req.resume(); // drained, not kept
        resolve("too-large");
      }
    };
    req.on("data", onData);
    req.once("end", () => resolve(size > limit ? "too-large" : Buffer.concat(chunks, size).toString("utf8")));
    req.once("error", reject);
  });
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * The limits on a request's query text, when it has one (else Apollo answers: no query, a batch...):
 * the refusal, or the query text that passed (Apollo runs that very text for this request, so its
 * plugin need not check it again), or null when there was no text to check.
 */
function precheck(limiter: QueryLimiter, req: IncomingMessage, url: URL, body: unknown, accountId: string | null): GraphQLError | string | null {
  let request: { query?: unknown; operationName?: unknown; variables?: unknown };
  if (req.method === "POST") {
    if (!body || typeof body !== "object" || Array.isArray(body)) return null;
    request = body as typeof request;
  } else {
    const variables = url.searchParams.get("variables");
    let parsedVariables: unknown;
    try {
      parsedVariables = variables ? JSON.parse(variables) : undefined;
    } catch {
      return null; // Apollo answers a malformed `variables`
    }
    request = { query: url.searchParams.get("query") ?? undefined, operationName: url.searchParams.get("operationName"), variables: parsedVariables };
  }
  if (typeof request.query !== "string") return null;
  const document = limiter.parse(request.query);
  if (document instanceof GraphQLError) return document;
  return limiter.check(document, {
    operationName: typeof request.operationName === "string" ? request.operationName : null,
    variables: request.variables,
    authenticated: accountId !== null,
    accountId,
  }) ?? request.query;
}

/** A refusal as Apollo would send it: `{ errors: [{ message, extensions: { code, ... } }] }`, status from extensions.http. */
function sendGraphQLError(res: ServerResponse, error: GraphQLError): void {
  const { http, ...extensions } = error.extensions as { http?: { status?: number; headers?: Map<string, string> } } & Record<string, unknown>;
  res.writeHead(http?.status ?? 400, { "content-type": "application/json; charset=utf-8", ...Object.fromEntries(http?.headers ?? []) });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions }] }));
}

/** The same limits once Apollo has the document (a cached or persisted one too) and the caller's account. */
function limitsPlugin(limiter: QueryLimiter) {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(ctx: GraphQLRequestContext<GraphQLContext>) {
          if (ctx.operation?.operation === "subscription") {
            throw new GraphQLError("Subscriptions run over WebSocket (graphql-ws, protocol graphql-transport-ws) at this URL.", {
              extensions: { code: "BAD_REQUEST", http: { status: 400 } },
            });
          }
          // Checked before Apollo already (the same text, variables and caller): once is enough.
          if (ctx.contextValue.limitsChecked !== undefined && ctx.contextValue.limitsChecked === ctx.request.query) return;
          const account = ctx.contextValue.account;
          const error = limiter.check(ctx.document!, {
            operationName: ctx.request.operationName, variables: ctx.request.variables, authenticated: account !== null, accountId: account?.id ?? null,
          });
          if (error) throw error;
        },
      };
    },
  };
}

export type { GraphQLSchema };
