// Prisma CLI configuration. Prisma 6.19 runs migrations offline only through its WebAssembly schema
// engine ("js") over a driver adapter; see ../shared/DEPENDENCIES.md for the three traps handled here.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

/**
 * Trap 1: the schema engine reads catalog columns of type `name` (OID 19) and `char` (18), which the
 * adapter cannot map ("Column type 'name' could not be deserialized", prisma#27403). They are text, so
 * this client reports them as text (25).
 */
class CatalogTextClient extends pg.Client {
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      // pg.Pool#query calls its client with a callback.
      args[last] = (error: unknown, result: pg.QueryResult) => callback(error, error ? result : asText(result));
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return (result instanceof Promise ? result.then(asText) : result) as never;
  }
}

function asText(result: pg.QueryResult): pg.QueryResult {
  for (const field of result?.fields ?? []) if (field.dataTypeID === 19 || field.dataTypeID === 18) field.dataTypeID = 25;
  return result;
}

/** Trap 2: separate fields, not a connectionString, which would silently override the shadow database's name. */
function poolConfig(url: string): pg.PoolConfig {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || "postgres"),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: decodeURIComponent(parsed.pathname.slice(1)),
    Client: CatalogTextClient as unknown as typeof pg.Client,
    allowExitOnIdle: true, // the CLI exits when done instead of waiting out idle connections
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    const url = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const adapter = new PrismaPg(poolConfig(url));
    const shadowUrl = process.env.SHADOW_DATABASE_URL;
    if (shadowUrl) {
      // Trap 3: the adapter's own shadow connector drops the shadow database before closing its pool and
      // fails ("being accessed by other users"). Ours uses a database the caller made, and drops nothing.
      Object.assign(adapter, { connectToShadowDb: () => new PrismaPg(poolConfig(shadowUrl)).connect() });
    }
    return adapter;
  },
});
