// Errors we did not mean to show (bugs, database errors) become a generic message; they are logged.
import { GraphQLError } from "graphql";
import type { Logger } from "../log.js";

export function maskInternal<T extends { message: string; extensions?: Record<string, unknown> }>(formatted: T, error: unknown, log: Logger): T {
  const code = formatted.extensions?.code;
  if (code !== "INTERNAL_SERVER_ERROR" && code !== undefined) return formatted;
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  if (original instanceof GraphQLError || !(original instanceof Error)) return formatted;
  log.error({ err: original }, "internal error in a GraphQL operation");
  return { ...formatted, message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

