import type pg from "pg";

/*
 * reconcileRunningCounters — the reconciler of the burst cap's counters: an account's running jobs, as
 * the claim reads them, are scheduler_accounts.entered - scheduler_account_exits.exited (0028; the view
 * scheduler_account_load). The triggers keep both exact under every status change, but only from a
 * correct start: a TRUNCATE, a disabled trigger, an account_id changed on a RUNNING row or a deleted
 * counter row leave them wrong for good (an over-count never heals, and the account's jobs never run
 * again), and an account without a row cannot be claimed. So, periodically:
 *
 * 1. Accounts without counter rows get them (nothing running; the triggers count from there, step 2 fixes it).
 * 2. Accounts whose entered - exited differs from count(*) of their RUNNING jobs have both rows locked,
 *    in account order (the order every multi-row locker uses: completions and the sweep lock exits rows
 *    in account order and never an entered row; claims lock entered rows SKIP LOCKED and never wait),
 * 3. then recounted in a second statement of the same transaction: entered = exited + count. Under READ
 *    COMMITTED that statement takes a new snapshot after the locks are held: every status change that
 *    committed before is in it, and one still in flight cannot commit its counter update until this
 *    commits (it needs one of the rows), so it lands on the corrected value. A one-statement version would
 *    count from a snapshot older than its locks and could write a stale count.
 * Cost: one pass over the accounts with an index count of RUNNING jobs (jobs_running_idx, 0027: partial on
 * RUNNING, keyed by account), and locks only on rows that were wrong.
 */
// Exits rows first, as the claim's trigger makes them (two makers never wait on each other's inserts in
// opposite orders); a new entered row starts at the account's exits, so it counts nothing running.
const ENSURE_EXITS = `/* reconcileCountersEnsureExits */
INSERT INTO scheduler_account_exits (account_id, exited)
SELECT a.id, 0 FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM scheduler_account_exits x WHERE x.account_id = a.id)
ON CONFLICT (account_id) DO NOTHING`;

const ENSURE_ENTERED = `/* reconcileCountersEnsureEntered */
INSERT INTO scheduler_accounts (account_id, entered)
SELECT a.id, coalesce((SELECT x.exited FROM scheduler_account_exits x WHERE x.account_id = a.id), 0) FROM accounts a
WHERE NOT EXISTS (SELECT 1 FROM scheduler_accounts s WHERE s.account_id = a.id)
ON CONFLICT (account_id) DO NOTHING`;

const RUNNING = `(SELECT count(*) FROM jobs j WHERE j.account_id = s.account_id AND j.status = 'RUNNING')`;

const LOCK_WRONG = `/* reconcileCountersLock */
SELECT s.account_id FROM scheduler_accounts s JOIN scheduler_account_exits x ON x.account_id = s.account_id
WHERE s.entered - x.exited <> ${RUNNING}
ORDER BY s.account_id FOR UPDATE OF s, x`;

const RECOUNT = `/* reconcileCountersRecount */
UPDATE scheduler_accounts s SET entered = x.exited + ${RUNNING}
FROM scheduler_account_exits x
WHERE x.account_id = s.account_id AND s.account_id = ANY($1::uuid[]) AND s.entered - x.exited <> ${RUNNING}
RETURNING s.account_id, (s.entered - x.exited)::int AS running`;

export interface CounterFix { accountId: string; running: number }

/** Returns the rows it created or corrected (empty when every counter was right). */
export async function reconcileRunningCounters(pool: pg.Pool): Promise<{ created: number; fixed: CounterFix[] }> {
  const client = await pool.connect();
  try {
    const created = ((await client.query(ENSURE_EXITS)).rowCount ?? 0) + ((await client.query(ENSURE_ENTERED)).rowCount ?? 0);
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
