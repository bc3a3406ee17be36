// GraphQL over HTTP (queries and mutations) and over graphql-ws (subscriptions), same origin, /graphql.
import { createClient, type Client } from "graphql-ws";

export const GRAPHQL_PATH = "/graphql";

/** The key was refused: the caller should go back to sign-in. */
export class AuthError extends Error {}

/** Anything else that went wrong with a request, worded for people. */
export class ApiError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function request<T>(key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(GRAPHQL_PATH, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("Can't reach the Kinema server. Check your connection and try again.", "NETWORK");
  }
  let body: GraphQLBody<T>;
  try {
    body = (await res.json()) as GraphQLBody<T>;
  } catch {
    throw new ApiError(`The server answered with an unexpected response (HTTP ${res.status}).`, "BAD_RESPONSE");
  }
  const errors = body.errors ?? [];
  if (res.status === 401 || errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) {
    throw new AuthError(errors[0]?.message ?? "The API key is not valid.");
  }
  const first = errors[0];
  if (first) throw new ApiError(first.message, first.extensions?.code);
  if (!body.data) throw new ApiError(`The server sent no data (HTTP ${res.status}).`, "BAD_RESPONSE");
  return body.data;
}

export const CLOSE_UNAUTHORIZED = 4401;
/** The server closes a socket whose key was revoked while it was open with 4403. */
export const CLOSE_KEY_REVOKED = 4403;

/** One lazy socket per signed-in key; `onUnauthorized` runs when the server closes it with 4401 or 4403. */
export function createSocket(key: string, onUnauthorized: () => void): Client {
  const url = new URL(GRAPHQL_PATH, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return createClient({
    url: url.toString(),
    lazy: true,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 8,
    on: {
      closed: (event) => {
        const code = (event as CloseEvent | undefined)?.code;
        if (code === CLOSE_UNAUTHORIZED || code === CLOSE_KEY_REVOKED) onUnauthorized();
      },
    },
  });
}

/** A readable message for whatever a subscription's error sink receives (errors, a CloseEvent, …). */
export function describeSocketError(error: unknown): string {
  if (Array.isArray(error)) return (error[0] as { message?: string } | undefined)?.message ?? "The live updates failed.";
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object" && "code" in error) {
    const { code, reason } = error as { code: number; reason?: string };
    return `The live connection closed (${code}${reason ? `: ${reason}` : ""}).`;
  }
  return "The live connection was lost.";
}
