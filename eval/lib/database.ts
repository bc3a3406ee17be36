// Where an eval's Kinema keeps its data: a throwaway database on a PostgreSQL server (DATABASE_URL, else
// TEST_DATABASE_URL, else the local default when it answers), or embedded PGlite when no server is
// reachable. Either way nothing of a real deployment is touched, and drop() removes it all.
import pg from "pg";
import { createScratchDatabase } from "../../src/db/scratch.js";

export const DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface EvalDatabase {
  /** the database URL for Kinema; null: embedded mode (PGlite under the data directory) */
  url: string | null;
  /** what the report says about it (never a password) */
  description: string;
  drop(): Promise<void>;
}

export async function openEvalDatabase(env: NodeJS.ProcessEnv = process.env): Promise<EvalDatabase> {
  const explicit = env.DATABASE_URL || env.TEST_DATABASE_URL;
  // A server someone named must work; the local default is only tried, since CI without one still runs.
  if (!explicit && !(await reachable(DEFAULT_SERVER))) {
    return { url: null, description: `embedded PGlite (no server at ${DEFAULT_SERVER})`, drop: async () => {} };
  }
  const server = explicit ?? DEFAULT_SERVER;
  const scratch = await createScratchDatabase(server, "kinema_eval");
  return { url: scratch.url, description: `throwaway database ${scratch.name} on ${redact(server)}`, drop: () => scratch.drop() };
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** host:port only, so no password reaches the report */
function redact(url: string): string {
  return new URL(url).host;
}
