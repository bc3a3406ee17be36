import type pg from "pg";

/*
 * reconcileRunningCounters — the reconciler of scheduler_accounts.running, the count the claim's burst
 * cap reads. The trigger (0004_scheduler) keeps it exact under every status change, but only from a
 * correct start: a TRUNCATE, a disabled trigger, an account_id changed on a RUNNING row or the
 * migration's own backfill racing a claim leave it wrong for good (an over-count never heals, and the
 * account's jobs never run again), and an account without a row cannot be claimed. So, periodically:
 *
 * 1. Accounts without a counter row get one (0; the trigger then counts from there, and step 2 fixes it).
 * 2. Rows whose count differs from count(*) of the account's RUNNING jobs are locked, in account order
 *    (the order every multi-row locker uses, so two reconcilers or a sweep cannot deadlock with this),
 * 3. then recounted in a second statement of the same transaction. Under READ COMMITTED that statement
 *    takes a new snapshot after the locks are held: every status change that committed before is in it,
 *    and one still in flight cannot commit its counter update until this commits (it needs the row
 *    lock), so it lands on the corrected value. A one-statement version would count from a snapshot
 *    older than its locks and could write a stale count.
 * Cost: one pass over the accounts with an index count of RUNNING jobs (jobs_running_idx, 0027: partial on
 * RUNNING, keyed by account), and locks only on rows that were wrong.
 */
const ENSURE = `/* reconcileCountersEnsure */
INSERT INTO scheduler_accounts (account_id, running)
SELECT a.id, 0 FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM scheduler_accounts s WHERE s.account_id = a.id)
ON CONFLICT (account_id) DO NOTHING`;

const RUNNING = `(SELECT count(*) FROM jobs j WHERE j.account_id = s.account_id AND j.status = 'RUNNING')::int`;

const LOCK_WRONG = `/* reconcileCountersLock */
SELECT s.account_id FROM scheduler_accounts s WHERE s.running <> ${RUNNING}
ORDER BY s.account_id FOR UPDATE`;

const RECOUNT = `/* reconcileCountersRecount */
UPDATE scheduler_accounts s SET running = ${RUNNING}
WHERE s.account_id = ANY($1::uuid[]) AND s.running <> ${RUNNING}
RETURNING s.account_id, s.running`;

export interface CounterFix { accountId: string; running: number }

/** Returns the rows it created or corrected (empty when every counter was right). */
export async function reconcileRunningCounters(pool: pg.Pool): Promise<{ created: number; fixed: CounterFix[] }> {
  const client = await pool.connect();
  try {
    const created = (await client.query(ENSURE)).rowCount ?? 0;
    await client.query("BEGIN");
    try {
      const { rows: wrong } = await client.query<{ account_id: string }>(LOCK_WRONG);
      const fixed = wrong.length === 0 ? [] : (await client.query<{ account_id: string; running: number }>(RECOUNT, [wrong.map((r) => r.account_id)])).rows;
      await client.query("COMMIT");
      return { created, fixed: fixed.map((r) => ({ accountId: r.account_id, running: r.running })) };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  } finally {
    client.release();
  }
}
