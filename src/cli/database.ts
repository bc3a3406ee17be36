// How the CLI reaches the database: DATABASE_URL; else the embedded database of a running `npm start`
// through its Unix socket (only one process may open PGlite's files); else, when no server runs,
// the embedded database opened here, migrated, and closed again.
import { loadConfig } from "../config/config.js";
import { runningEmbeddedDatabase, startEmbeddedDatabase } from "../db/embedded.js";
import { migrate } from "../db/migrate.js";
import { createPool, type Pool } from "../db/pool.js";
import { createPrisma, type Prisma } from "../db/prisma.js";

export async function withDatabase<T>(work: (prisma: Prisma) => Promise<T>): Promise<T> {
  return withDatabaseHandles(({ prisma }) => work(prisma));
}

/** The same, with the pool too (commands that run the services' hand-written SQL). */
export async function withDatabaseHandles<T>(work: (handles: { prisma: Prisma; pool: Pool }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const running = config.databaseUrl ? null : await runningEmbeddedDatabase(config.dataDir);
  const embedded = config.databaseUrl || running ? null : await startEmbeddedDatabase(config.dataDir);
  const url = config.databaseUrl ?? running?.url ?? embedded!.url;
  const pool = createPool(url, 1);
  const prisma = createPrisma(url, 1);
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
    return await work({ prisma, pool });
  } finally {
    await prisma.$disconnect();
    await pool.end();
    await embedded?.close();
  }
}
