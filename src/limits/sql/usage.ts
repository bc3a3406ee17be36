// The statements behind rate limits and quotas. The counters are the jobs rows themselves: a submission
// inserts one, so "submissions in the last minute" is a count over jobs_account_id_created_at_id_idx,
// in the submission's own transaction after the account's submission lock. Nothing lives in process
// memory, so every API replica enforces the same numbers (test/limits-replicas.test.ts).
import type { Sql } from "../../db/pool.js";

/** Runs one statement and returns its rows: a pool (Sql) or a Prisma transaction (prismaRows). */
export type Rows = <R>(text: string, values: unknown[]) => Promise<R[]>;

export const sqlRows = (sql: Sql): Rows => async <R,>(text: string, values: unknown[]) => (await sql.query(text, values)).rows as R[];

type RawQuerier = { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> };

export const prismaRows = (tx: RawQuerier): Rows =>
  <R,>(text: string, values: unknown[]) => tx.$queryRawUnsafe<R[]>(text, ...values);

/**
 * A Prisma transaction as an Sql, for the statements a submission runs inside its transaction. Not the
 * pool: in embedded mode every connection shares PGlite's one session and the socket server holds other
 * connections' statements until an open transaction ends, so a pool query from inside it would wait forever.
 */
export function prismaSql(tx: RawQuerier): Sql {
  return {
    query: async (text: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
      const statement = typeof text === "string" ? { text, values: values ?? [] } : { text: text.text, values: values ?? text.values ?? [] };
      return { rows: await tx.$queryRawUnsafe<unknown[]>(statement.text, ...statement.values) };
    },
  } as unknown as Sql;
}

/**
 * lockAccountSubmissions — a transaction-scoped advisory lock per account (a 64-bit hash of its id;
 * a collision only serialises two accounts' submissions). Held until the submission commits or rolls
 * back, so the next submission of the account counts after this one's row is visible: READ COMMITTED
 * takes a fresh snapshot per statement, and the count below runs after the lock was granted. (An
 * advisory lock inside one statement would not do: that statement's snapshot predates the grant.)
 * Not the accounts row FOR UPDATE: that would also wait on every FOR KEY SHARE of a job insert.
 */
export async function lockAccountSubmissions(rows: Rows, accountId: string): Promise<void> {
  await rows(`/* lockAccountSubmissions */ SELECT pg_advisory_xact_lock(hashtextextended('kinema.submit:' || $1::text, 0))::text AS locked`, [accountId]);
}

export interface AccountUsageWindow {
  /** submissions accepted in the last 60 s (jobs rows, cache hits too; not blocked prompts: the request
   *  rate itself is the per-key token buckets' to bound, and a refused prompt costs nothing) */
  minuteUsed: number;
  /** seconds until the oldest of them leaves the window (null: none) */
  minuteResetSeconds: number | null;
  /** generations in the last 24 h: jobs except BLOCKED, EXPIRED and cache hits (no GPU work) */
  dayUsed: number;
  dayResetSeconds: number | null;
  /** the account's QUEUED jobs now */
  queued: number;
  /** the database's clock when counted (a deadline is set from it, as the claim compares with now()) */
  databaseNow: Date;
}

/**
 * accountUsageWindow — one statement: the sliding-window counts and when each window's oldest entry
 * leaves it. Walks jobs_account_id_created_at_id_idx over the last 24 h of the account (at most its daily
 * quota plus its blocked and cached submissions: ~1 ms for 1,000 rows) and jobs_account_queued_idx.
 * clock_timestamp(), not now(): inside a transaction that waited for the lock, now() is when it began.
 */
export async function accountUsageWindow(rows: Rows, accountId: string): Promise<AccountUsageWindow> {
  const [r] = await rows<AccountUsageWindow>(
    `/* accountUsageWindow */
     WITH at AS (SELECT clock_timestamp() AS t),
     recent AS (
       SELECT j.created_at, j.status <> 'BLOCKED' AS submission,
         j.status NOT IN ('BLOCKED', 'EXPIRED') AND (j.metadata->'cache'->>'hit') IS DISTINCT FROM 'true' AS generation
       FROM jobs j, at WHERE j.account_id = $1::uuid AND j.created_at > at.t - interval '1 day')
     SELECT
       (count(*) FILTER (WHERE submission AND created_at > at.t - interval '1 minute'))::int AS "minuteUsed",
       extract(epoch FROM min(created_at) FILTER (WHERE submission AND created_at > at.t - interval '1 minute') + interval '1 minute' - at.t)::float8 AS "minuteResetSeconds",
       (count(*) FILTER (WHERE generation))::int AS "dayUsed",
       extract(epoch FROM min(created_at) FILTER (WHERE generation) + interval '1 day' - at.t)::float8 AS "dayResetSeconds",
       (SELECT count(*) FROM jobs q WHERE q.account_id = $1::uuid AND q.status = 'QUEUED')::int AS queued,
       at.t AS "databaseNow"
     FROM at LEFT JOIN recent ON true GROUP BY at.t`, [accountId]);
  return r!;
}
