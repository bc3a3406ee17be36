// One place that makes `pg` pools, so every pool in the process reads values the same way.
import pg from "pg";

// BIGINT (20) as a JS number: fencing tokens and seeds stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));
// `name` (19) and `char` (18) as text: Prisma's adapter cannot deserialize them otherwise (prisma#27403).
for (const oid of [19, 18]) pg.types.setTypeParser(oid as never, (value: string) => value);

export type Pool = pg.Pool;

/** The smallest database interface the queue and services need (pg-boss's `executeSql`). */
export interface Sql {
  /** A config with a `name` runs as a prepared statement (parsed and planned once per connection). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PoolOptions {
  /**
   * false: every query runs unnamed, whatever its caller asks. A transaction-mode pooler (PgBouncer before
   * 1.21) hands each transaction a different server connection, where a statement another connection
   * prepared does not exist ("prepared statement does not exist").
   */
  preparedStatements?: boolean;
}

export function createPool(connectionString: string, max: number, options: PoolOptions = {}): pg.Pool {
  const Client = options.preparedStatements === false ? UnnamedClient : pg.Client;
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, Client });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return pool;
}

/**
 * A client that drops the `name` of every query config: the pool's own queries and clients checked out
 * with pool.connect() alike, so no caller can prepare a named statement by accident.
 */
class UnnamedClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config] = args;
    if (config && typeof config === "object" && "name" in config && (config as pg.QueryConfig).name !== undefined) {
      const { name: _dropped, ...unnamed } = config as pg.QueryConfig;
      args[0] = unnamed;
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

/** Connection fields without a connection string (Prisma's adapter overrides names given in a string). */
export function connectionFields(url: string): pg.PoolConfig {
  const parsed = new URL(url);
  return {
    // `?host=/folder` (libpq's form) is a Unix socket folder, as embedded mode uses.
    host: parsed.searchParams.get("host") || parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || "postgres"),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    ssl: sslFromMode(parsed.searchParams.get("sslmode")),
    // kept so an operator (or PgBouncer's SHOW CLIENTS) can tell the processes' connections apart
    application_name: parsed.searchParams.get("application_name") ?? undefined,
  };
}

/** libpq's sslmode for `pg`: verify-* check the certificate, require/prefer only encrypt. */
function sslFromMode(mode: string | null): pg.PoolConfig["ssl"] {
  if (mode === "verify-ca" || mode === "verify-full") return true;
  if (mode === "require") return { rejectUnauthorized: false };
  return undefined;
}
