// The CLI's way to Kinema: where the server is (KINEMA_URL or --url) and who is calling (KINEMA_API_KEY or
// --key); GraphQL over HTTP with `Authorization: Bearer <key>`, and subscriptions over graphql-ws with the
// key in connectionParams. Failures become ExitErrors a person can act on.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { CloseCode } from "../api/close-codes.js";
import { CliError } from "./errors.js";
import { EXIT_FAILED, EXIT_USAGE, ExitError } from "./exit.js";
import { postText, type PostAnswer } from "./http-post.js";

export const DEFAULT_URL = "http://127.0.0.1:4000/graphql";
const REQUEST_TIMEOUT_MS = 30_000;

/** Options every API command takes. */
export const CONNECTION_OPTIONS = { url: { type: "string" }, key: { type: "string" } } as const;

export const CONNECTION_HELP = `Connection:
  --url URL    the API (default: KINEMA_URL, else ${DEFAULT_URL})
  --key KEY    the API key (default: KINEMA_API_KEY; prefer the variable, a flag shows in \`ps\`)`;

export interface GraphQLErrorBody { message: string; extensions?: { code?: string } }

/** The API's URL and key from the flags, else the environment. A missing key is a usage error. */
export function connectionFrom(values: { url?: string; key?: string }, env: NodeJS.ProcessEnv = process.env): KinemaClient {
  const raw = values.url || env.KINEMA_URL || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`the API URL is not a URL: ${raw} (set KINEMA_URL or --url, e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`the API URL must be http(s): ${raw}`);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/graphql"; // "http://host:4000" is enough
  const key = (values.key || env.KINEMA_API_KEY || "").trim();
  if (!key) {
    throw new CliError("no API key: set KINEMA_API_KEY=<key> or pass --key <key> (create one with `kinema accounts create --tier FREE|PLUS`)");
  }
  return new KinemaClient(url.toString(), key);
}

export class KinemaClient {
  constructor(readonly url: string, private readonly key: string) {}

  get wsUrl(): string {
    return this.url.replace(/^http/, "ws");
  }

  /**
   * One GraphQL operation over HTTP; returns `data` or throws an ExitError. With `retries`, network
   * failures and 502/503/504 are retried (only for operations that are safe to repeat, e.g. a mutation
   * with an idempotency key).
   */
  async request<T>(query: string, variables: Record<string, unknown> = {}, options: { retries?: number } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < (options.retries ?? 0);
      let res: PostAnswer;
      try {
        res = await postText(this.url, JSON.stringify({ query, variables }),
          { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${this.key}` }, REQUEST_TIMEOUT_MS);
      } catch (error) {
        if (canRetry) {
          await sleep(300 * 3 ** attempt);
          continue;
        }
        throw new ExitError(unreachable(this.url, error), EXIT_FAILED);
      }
      if (canRetry && [502, 503, 504].includes(res.status)) {
        await sleep(300 * 3 ** attempt);
        continue;
      }
      let body: { data?: T | null; errors?: GraphQLErrorBody[] };
      try {
        body = JSON.parse(res.body) as typeof body;
      } catch {
        throw new ExitError(`unexpected answer from ${this.url} (HTTP ${res.status}, not GraphQL); is that Kinema's /graphql URL?`, EXIT_FAILED);
      }
      if (body.errors?.length) throw graphQLFailure(body.errors);
      if (body.data == null) throw new ExitError(`unexpected answer from ${this.url} (HTTP ${res.status}, no data)`, EXIT_FAILED);
      return body.data;
    }
  }

  /** A graphql-ws client for one connection, authenticated in connection_init; it does not retry by itself. */
  socket(): Client {
    return createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.key}` },
      retryAttempts: 0, // follow.ts reconnects, and says so
      lazy: true,
    });
  }

  /** What a socket failure (a close event, an error event or GraphQL errors) means to the user. */
  socketFailure(error: unknown): ExitError {
    if (Array.isArray(error)) return graphQLFailure(error as GraphQLErrorBody[]);
    const code = (error as { code?: unknown })?.code;
    if (code === CloseCode.Unauthorized) return invalidKey();
    if (code === CloseCode.KeyRevoked) return new ExitError("the API key was revoked while connected (use another key) [4403]", EXIT_USAGE);
    if (typeof code === "number") {
      const reason = (error as { reason?: string }).reason;
      return new ExitError(`the connection to ${this.wsUrl} closed (${code}${reason ? ` ${reason}` : ""})`, EXIT_FAILED);
    }
    return new ExitError(unreachable(this.wsUrl, (error as { error?: unknown })?.error ?? error), EXIT_FAILED);
  }
}

/** A socket failure in a few words, for a progress note: "closed, code 1006", "ECONNREFUSED". */
export function briefSocketFailure(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "number") return `closed, code ${code}`;
  const inner = (error as { error?: unknown })?.error ?? error;
  const cause = (inner as { cause?: unknown })?.cause ?? inner;
  return (cause as { code?: string })?.code ?? (cause as Error)?.message ?? "unknown error";
}

/** Whether a socket failure is worth a reconnect (a dropped or refused connection), not a refusal. */
export function isTransientSocketFailure(error: unknown): boolean {
  if (Array.isArray(error)) return false;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "number") return code !== CloseCode.Unauthorized && (code < 4400 || code >= 4499);
  return true;
}

export function graphQLFailure(errors: GraphQLErrorBody[]): ExitError {
  const first = errors[0]!;
  const code = first.extensions?.code;
  if (code === "UNAUTHENTICATED") return invalidKey();
  const message = errors.map((e) => e.message).join("; ");
  const usage = ["BAD_USER_INPUT", "NOT_FOUND", "GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "TOO_MANY_FIELDS", "TOO_MANY_MUTATIONS"].includes(code ?? "");
  return new ExitError(`${usage ? "" : "server error: "}${message}${code ? ` [${code}]` : ""}`, usage ? EXIT_USAGE : EXIT_FAILED);
}

function invalidKey(): ExitError {
  return new ExitError("the API key is not valid (check KINEMA_API_KEY or --key) [UNAUTHENTICATED]", EXIT_USAGE);
}

/** "cannot reach Kinema at <url>; is it running?" for the usual network failures, else the cause. */
export function unreachable(url: string, error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const code = (cause as { code?: string })?.code ?? "";
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError") return `Kinema at ${url} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (["ENOTFOUND", "EAI_AGAIN"].includes(code)) return `cannot reach Kinema at ${url}: unknown host`;
  if (["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET"].includes(code)) {
    return `cannot reach Kinema at ${url}; is it running?`;
  }
  const message = (cause as Error)?.message ?? String(cause);
  return `cannot reach Kinema at ${url}: ${message}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
