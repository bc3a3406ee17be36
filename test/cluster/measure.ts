// Figures for docs/DEPLOY.md, read from the running topology: a process's resident memory, and
// the PostgreSQL connections each process holds, direct (pg_stat_activity) and through PgBouncer (SHOW
// CLIENTS), told apart by the application_name each process's URLs carry.
import { readFile } from "node:fs/promises";
import pg from "pg";

export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

export interface ConnectionCounts {
  /** per process: sessions straight on PostgreSQL (LISTEN, leader election) */
  direct: Record<string, number>;
  /** per application_name: client connections open on PgBouncer (pg pool + Prisma pool) */
  pooledClients: Record<string, number>;
  /** server connections PgBouncer holds on PostgreSQL for all of them together */
  pgbouncerServers: number;
}

export async function connectionCounts(direct: pg.Pool, pgbouncerPort: number): Promise<ConnectionCounts> {
  const { rows } = await direct.query<{ app: string; n: number }>(
    `SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1`);
  const admin = new pg.Client({ host: "127.0.0.1", port: pgbouncerPort, user: "postgres", database: "pgbouncer" });
  await admin.connect();
  try {
    const clients = await admin.query<{ application_name: string; database: string }>("SHOW CLIENTS");
    const servers = await admin.query<{ database: string }>("SHOW SERVERS");
    const pooledClients: Record<string, number> = {};
    for (const c of clients.rows) if (c.database !== "pgbouncer") pooledClients[c.application_name] = (pooledClients[c.application_name] ?? 0) + 1;
    const direct: Record<string, number> = {};
    const pgbouncerServers = servers.rows.filter((s) => s.database !== "pgbouncer").length;
    // PgBouncer's server connections carry the application_name of their last client: the direct URLs'
    // names end in "-direct" to tell them apart.
    for (const r of rows) if (r.app.endsWith("-direct")) direct[r.app.slice(0, -"-direct".length)] = r.n;
    return { direct, pooledClients, pgbouncerServers };
  } finally {
    await admin.end();
  }
}
