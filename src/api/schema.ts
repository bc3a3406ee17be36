// The executable schema: SDL from schema/*.graphql plus the resolvers.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { makeExecutableSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { resolvers } from "./resolvers/index.js";
import { enforceAuthorization } from "./authorization.js";

const SCHEMA_DIR = fileURLToPath(new URL("../../schema/", import.meta.url));

export function loadTypeDefs(): string[] {
  return readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".graphql")).sort()
    .map((f) => readFileSync(`${SCHEMA_DIR}${f}`, "utf8"));
}

export function buildSchema(): GraphQLSchema {
  // Every root field checked against the authorisation matrix, for HTTP and WebSocket alike.
  return enforceAuthorization(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never }));
}
