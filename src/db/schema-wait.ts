// Which of this build's migrations a database still lacks, and a wait until it lacks none. The API's and
// workers' init step in Kubernetes (`migrate --wait`): the migrations Job applies them once, every other
// pod only reads `_prisma_migrations`, so a rolling upgrade never starts new code on an older schema and
// thousands of workers scaling out never queue on the migration lock.
import type pg from "pg";
import { loadMigrations, MIGRATIONS_DIR } from "./migrate.js";

export class SchemaMismatchError extends Error {
  override readonly name = "SchemaMismatchError";
}

/**
 * The migrations of `dir` not yet applied (none: the schema is at least this build's). A migration
 * applied with other contents is an error: this build's code was not written for that schema.
 */
export async function pendingMigrations(client: pg.ClientBase, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await loadMigrations(dir);
  const { rows: [table] } = await client.query<{ exists: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`);
  if (!table?.exists) return migrations.map((m) => m.name);
  const { rows } = await client.query<{ migration_name: string; checksum: string }>(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
  const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const pending: string[] = [];
  for (const m of migrations) {
    const seen = applied.get(m.name);
    if (seen === undefined) pending.push(m.name);
    else if (seen !== m.checksum) throw new SchemaMismatchError(`migration ${m.name} was applied with other contents (checksum differs)`);
  }
  return pending;
}

export interface WaitOptions {
  /** give up after this long (the pod then restarts and waits again, visibly) */
  timeoutMs: number;
  pollMs: number;
  /** called with what is still missing before each pause */
  onWaiting?: (pending: string[]) => void;
}

/** Resolves once nothing is pending; rejects on timeout or a mismatch. A failed connection is retried. */
export async function waitForSchema(connect: () => Promise<pg.Client>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    let pending: string[] | Error;
    try {
      const client = await connect();
      try {
        pending = await pendingMigrations(client);
      } finally {
        await client.end().catch(() => {});
      }
    } catch (error) {
      if (error instanceof SchemaMismatchError) throw error;
      pending = error as Error; // the database is not up yet: keep waiting
    }
    if (Array.isArray(pending) && pending.length === 0) return;
    if (Date.now() >= deadline) {
      const why = Array.isArray(pending) ? `still missing ${pending.join(", ")}` : `last error: ${pending.message}`;
      throw new Error(`the schema did not reach this build's migrations within ${options.timeoutMs} ms (${why})`);
    }
    if (Array.isArray(pending)) options.onWaiting?.(pending);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
