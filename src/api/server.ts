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
import { checkQueryLimits } from "./limits.js";
import { maskInternal } from "./errors.js";
import { buildSchema } from "./schema.js";
import { attachSubscriptions } from "./subscriptions.js";
import { serveStatic } from "./static.js";

export const GRAPHQL_PATH = "/graphql";

export interface ApiServer {
  httpServer: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(services: ApiServices, log: Logger): Promise<ApiServer> {
  const { config } = services;
  const schema = buildSchema();
  const httpServer = createServer();
  // Idle keep-alive connections stay open longer than clients keep them (undici's fetch: 4 s; proxies and
  // load balancers: typically 60 s), so the client always lets go first. With Node's default of 5 s, a
  // client can write its next request onto a connection the server is closing that moment (ECONNRESET);
  // an event loop stalled past the margin (a loaded machine, a long synchronous stage in embedded mode)
  // lost that race in the tests.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: config.limits.maxBodyBytes });
  const subscriptions = attachSubscriptions(wsServer, schema, services, log);

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
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
      limitsPlugin(config.limits),
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
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method?.toUpperCase() ?? "GET", headers, search: url.search, body: parsed },
      context: () => buildContext(services, req.headers.authorization),
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
    },
  };
}

function wantsHtml(req: IncomingMessage): boolean {
  return req.method === "GET" && (req.headers.accept ?? "").includes("text/html") && !new URL(req.url ?? "/", "http://x").searchParams.has("query");
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return "too-large";
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

function limitsPlugin(limits: ApiServices["config"]["limits"]) {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(ctx: GraphQLRequestContext<GraphQLContext>) {
          if (ctx.operation?.operation === "subscription") {
            throw new GraphQLError("Subscriptions run over WebSocket (graphql-ws, protocol graphql-transport-ws) at this URL.", {
              extensions: { code: "BAD_REQUEST", http: { status: 400 } },
            });
          }
          const error = checkQueryLimits(ctx.document!, ctx.operation!, ctx.request.variables, limits);
          if (error) throw error;
        },
      };
    },
  };
}

export type { GraphQLSchema };
