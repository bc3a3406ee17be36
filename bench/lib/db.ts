// Throwaway databases for the benchmarks: each run gets a fresh `kinema_bench_<random>` on the server
// named by BENCH_DATABASE_URL, so figures never depend on what an earlier run left behind.
import pg from "pg";
import { migrate } from "../../src/db/migrate.js";
import { createScratchDatabase, type ScratchDatabase } from "../../src/db/scratch.js";

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export type BenchDatabase = ScratchDatabase;

/** Creates an empty database; with `kinema: true` also applies Kinema's migrations. */
export async function createBenchDatabase(options: { kinema: boolean }): Promise<BenchDatabase> {
  const db = await createScratchDatabase(ADMIN_URL, "kinema_bench");
  if (options.kinema) {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await migrate(client);
    } catch (error) {
      await client.end().catch(() => {});
      await db.drop().catch(() => {});
      throw error;
    }
    await client.end();
  }
  return db;
}

/** Runs `body` against a fresh database and always drops it, even when the body throws. */
export async function withBenchDatabase<T>(kinema: boolean, body: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createBenchDatabase({ kinema });
  try {
    return await body(db);
  } finally {
    await db.drop();
  }
}

/** One account for the jobs to belong to (jobs.account_id is a foreign key). */
export async function insertAccount(sql: pg.ClientBase | pg.Pool): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(`INSERT INTO accounts (name, tier) VALUES ('bench', 'FREE') RETURNING id`);
  return rows[0]!.id;
}

// The columns without defaults (prisma/migrations/0001_init); values as JobService writes a FREE 480p job.
const JOB_COLUMNS = `account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts`;

/**
 * Inserts `count` QUEUED jobs in one statement, spread round-robin over the given accounts (a real queue
 * holds many accounts; one account's jobs would be held to its burst cap); returns their ids.
 */
export async function insertJobs(sql: pg.ClientBase | pg.Pool, accountIds: string | string[], count: number, stepBudget = 30): Promise<string[]> {
  const ids = Array.isArray(accountIds) ? accountIds : [accountIds];
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO jobs (${JOB_COLUMNS})
     SELECT ($1::uuid[])[1 + g % cardinality($1::uuid[])], 'FREE', 'QUEUED', 'QUEUED', 'bench job ' || g, 'R480P', 854, 480, 2, 24, g, $3, 3
     FROM generate_series(1, $2) g
     RETURNING id`, [ids, count, stepBudget]);
  return rows.map((r) => r.id);
}

/** One QUEUED job, committed when this returns (autocommit). */
export async function insertJob(sql: pg.ClientBase | pg.Pool, accountId: string, seed: number): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO jobs (${JOB_COLUMNS}) VALUES ($1, 'FREE', 'QUEUED', 'QUEUED', 'bench job', 'R480P', 854, 480, 2, 24, $2, 30, 3) RETURNING id`,
    [accountId, seed]);
  return rows[0]!.id;
}
