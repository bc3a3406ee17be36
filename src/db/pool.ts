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

/**
 * The same pool without prepared statements. PGlite's connections share one session, where a second
 * connection preparing a name the first already prepared is an error.
 */
export function withoutPreparedStatements(pool: pg.Pool): Sql {
  return {
    query: (text, values) => pool.query(typeof text === "string" ? text : { text: text.text, values: text.values }, values) as never,
  };
}

export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return pool;
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
  };
}

/** libpq's sslmode for `pg`: verify-* check the certificate, require/prefer only encrypt. */
function sslFromMode(mode: string | null): pg.PoolConfig["ssl"] {
  if (mode === "verify-ca" || mode === "verify-full") return true;
  if (mode === "require") return { rejectUnauthorized: false };
  return undefined;
}
