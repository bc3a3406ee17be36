// Errors we did not mean to show (bugs, database errors) become a generic message; they are logged.
import { GraphQLError, type GraphQLErrorOptions } from "graphql";
import type { Logger } from "../log.js";

export function maskInternal<T extends { message: string; extensions?: Record<string, unknown> }>(formatted: T, error: unknown, log: Logger): T {
  const code = formatted.extensions?.code;
  if (code !== "INTERNAL_SERVER_ERROR" && code !== undefined) return formatted;
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  if (original instanceof GraphQLError || !(original instanceof Error)) return formatted;
  log.error({ err: original }, "internal error in a GraphQL operation");
  return { ...formatted, message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } };
}


/**
 * A GraphQLError without a stack trace, for refusals (limits, budgets) that a flood produces by the
 * thousand: capturing the stack was a third of a refusal's CPU (~0.5 ms of 1.3 ms, bench:abuse keyed
 * introspection phase), and a refusal's stack says nothing anyone reads.
 */
export function refusal(message: string, options: GraphQLErrorOptions): GraphQLError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(message, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
