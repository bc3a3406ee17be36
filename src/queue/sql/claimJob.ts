import type { QueryResultRow } from "pg";
import type { Sql } from "../../db/pool.js";
import type { Tier } from "../../config/config.js";
import type { JobStage } from "../../jobs/states.js";
import type { ClaimedJob } from "../types.js";
import { type LanePasses, laneOrderParams } from "../lanes.js";

/*
 * claimJobs — the claim, for one or several workers of one process in one call of claim_jobs() (PL/pgSQL;
 * migration 0022, rewritten by 0028). Per worker id (a slot), in order: weighted fair share between the
 * tier lanes, FIFO within a lane, a burst cap per account; each claimed job is leased to its slot's worker
 * (its own fencing token, drawn in slot order, its own attempt). It writes the job rows, their accounts'
 * `entered` counter rows and one timeline row per claim: no shared row, no NOTIFY of its own, so claimers
 * never queue behind one another's commits. Why several in one call: half of a lone claim was the
 * statement's own overhead (bind, executor start-up, commit and its WAL flush, the round trip, the
 * driver's work per query); the workers of a process that want a job while a claim is in flight share the
 * next call (claims.ts).
 *
 * Two ways through the call, the same claims (test/claim-set-based.test.ts compares them slot by slot):
 *  - set-based (0028; fair share on, two slots or more): the stride below plans how many slots each lane
 *    gets; one pick per lane takes that many of its oldest claimable jobs (locked with their accounts'
 *    counter rows, SKIP LOCKED) and cuts where an account would pass its cap; a lane that comes up short
 *    leaves its slots to the other; the stride then runs again over what each lane supplied, giving slot
 *    i the job the per-slot loop's i-th claim would take; one UPDATE claims them all. Why: the loop ran a
 *    statement per slot (its four-lane plan's executor start-up, its row triggers): at 64 slots a call
 *    took ~12 ms, set-based ~5 ms (claim_jobs looped over 12,000 queued, tmp harness), and bench:queue
 *    went from 0.98 / 0.83 to 1.31 / 1.21 of graphile-worker at 4 / 16 workers (docs/DEPLOY.md).
 *  - per slot (the loop, as 0022): for the slots the first part left, for one slot, and with fair share
 *    off: jobs of an account without a counter row (`_o` below), jobs that avoid one of the call's
 *    workers (the loop passes them to another worker), a job a pick did not reach.
 *
 * Fairness (stride scheduling, decided by the claimer). The caller passes each lane's pass (virtual time,
 * kept by the JobQueue: lanes.ts) as plus_pass and free_pass. Each claim tries the lanes in order of pass
 * (ties: PLUS first); the first lane with a claimable job is served, and its pass advances by 1 / weight
 * (scheduler_config.plus_weight, free_weight) inside the function, so the next slot sees it; each row comes
 * back with its weights and the caller replays them through LaneClock.served in slot order, ending with the
 * same passes. While both lanes have work, one process's claims come out in the ratio of the weights (with
 * 2:1: PLUS FREE PLUS, repeated), batched or not; a lane with nothing claimable is skipped and its share
 * goes to the others. Every process applies the same ratio to its own claims, so the fleet's claims do too.
 * Why not a shared pass row: every claim updated it (0004), so every claimer waited on the row lock of
 * the one before it until that one's commit had flushed: 16 workers claimed slower than 4 (bench:queue).
 * With fair share off the lanes are tried in order of their head job's age: plain FIFO over both tiers.
 *
 * Burst cap (0028). An account's running jobs are scheduler_accounts.entered - scheduler_account_exits.exited
 * (the view scheduler_account_load): triggers on jobs add one to `entered` when a job enters RUNNING and to
 * `exited` when one leaves it, whatever statement changes a status. A claim joins the job to its account's
 * entered row and locks both (FOR UPDATE OF j, a SKIP LOCKED) with `entered - exited < cap`; it reads
 * `exited` from its snapshot, unlocked. Exact under races: the locked entered row is re-read at its latest
 * committed version (EvalPlanQual), so a claimer that locks it after another claim of the account committed
 * sees that claim; two claims of one account in flight in different transactions are impossible (the
 * second skips the locked row); `exited` only grows, so a snapshot's value can lag the truth (a job seen as
 * running that has just finished: the account waits for the next claim), never lead it. Within one call,
 * an entered row an earlier claim locked is the transaction's own: not skipped, and read with the earlier
 * claims' increments, so a call that serves one account several times stops exactly at the cap (the
 * set-based pick cuts by row_number per account against cap - running). Why two rows: with one counter a
 * completion locked the rows the claims lock, so completions waited on claim calls (~70% of a completion's
 * time at 16 workers, sampled) and claims skipped every account a completion held. Why not
 * pg_try_advisory_xact_lock on the account, or a count of RUNNING rows: the statement's snapshot is older
 * than the lock, so a count read under it can miss a claim that committed just before the lock was granted.
 *
 * Locks, in order: scheduler_config is only read (snapshot); the job rows and their accounts' entered rows,
 * SKIP LOCKED (a claimer never waits on another). All of a call's rows stay locked until its commit: other
 * processes' claimers skip those accounts meanwhile (a call is short: ~0.1 ms a job). Finishers lock only
 * exits rows (completions and the sweep in account order), so a claim and a finish never wait on each
 * other; the reconciler locks both rows of an account, in account order, and waits on either side, which
 * never waits on it.
 * Index: jobs_claim_idx (0020, partial, status = 'QUEUED', on tier, created_at, id::text): each lane's head.
 *
 * Timeline: the claims' compact CLAIMED rows (0026) are written by claim_jobs at its end, in one INSERT,
 * the claim trigger standing aside for the call (0028 says how): the same rows, a statement per call
 * instead of a trigger call and an INSERT per claim.
 *
 * Announcing: in the statement, one NOTIFY per claimed job (`announced`), heard at its commit like every
 * other status change. It was a separate publish statement after the commit (to keep the claim's commit
 * out of PostgreSQL's notify lock, which serialises notifying commits, WAL flush included); but that
 * statement was itself a notifying commit, one more round trip and statement per call: folded in,
 * bench:queue went 645 / 1,167 / 2,161 -> 766 / 1,211 / 2,303 jobs/s at 1 / 4 / 16 workers (back to
 * back, quiet). With the in-process bus (no channel) JobQueue.claim publishes instead. The event carries
 * the new lease's token: the claiming process knows its own claim (JobQueue opened the lane it announces).
 *
 * Unchanged from the FIFO claim: run_after; a job whose last failure asked for another worker skips the
 * worker that failed it, unless nobody else took it for 30 s (a worker that finds nothing ends the call
 * unless such a job passes it over: the workers after it are then still tried); the job enters the
 * pipeline's first stage; a new run starts at its checkpoint's step; a job never started is not started
 * past its deadline (deadline_at, 0013: the expiry sweep marks it EXPIRED); every claim draws a new fencing
 * token and counts an attempt.
 */
/** The claim call (exported for bench/queue-sql.ts, which runs this very text under pgbench). */
export const CLAIM = `/* claimJobs */ SELECT c.*, CASE WHEN $6::text IS NULL THEN NULL ELSE pg_notify($6::text, jsonb_build_object(
  'kind', 'job', 'jobId', c.id, 'status', c.status, 'stage', c.stage, 'queueChanged', true, 'fencingToken', c.fencing_token)::text) END AS announced
FROM claim_jobs($1::text[], $2::int, $3::"JobStage", $4::float8, $5::float8) c`;

/** A claimed job, and the weights the claim served it under (for the caller's lane passes). */
export interface Claim { job: ClaimedJob; weights: { fairShare: boolean } & Record<Tier, number> }

/**
 * Claims for each of `workerIds` in order; the result is parallel to them (null: nothing for that worker).
 * The claims come back in the order they were made: the caller replays their weights into its passes.
 */
export async function claimJobs(
  sql: Sql, workerIds: string[], leaseMs: number, firstStage: JobStage | null, passes: LanePasses = { PLUS: 0, FREE: 0 },
  channel: string | null = null,
): Promise<(Claim | null)[]> {
  const { rows } = await sql.query({
    name: "claimJobs", text: CLAIM, values: [workerIds, leaseMs, firstStage, ...laneOrderParams(passes), channel],
  });
  const out: (Claim | null)[] = workerIds.map(() => null);
  for (const r of rows) out[r.slot - 1] = { job: claimedJob(r), weights: r.weights };
  return out;
}

/** One worker's claim (claimJobs for one). */
export async function claimJob(
  sql: Sql, workerId: string, leaseMs: number, firstStage: JobStage | null, passes: LanePasses = { PLUS: 0, FREE: 0 },
): Promise<Claim | null> {
  return (await claimJobs(sql, [workerId], leaseMs, firstStage, passes))[0] ?? null;
}

function claimedJob(r: QueryResultRow): ClaimedJob {
  return {
    id: r.id, accountId: r.account_id, tier: r.tier, stage: r.stage, prompt: r.prompt, resolution: r.resolution,
    width: r.width, height: r.height, durationSeconds: r.duration_seconds, fps: r.fps, seed: r.seed,
    stepBudget: r.step_budget, stepsCompleted: r.steps_completed, attempts: r.attempts, maxAttempts: r.max_attempts,
    fencingToken: r.fencing_token, metadata: r.metadata ?? {}, checkpoint: r.checkpoint ?? null,
    timing: { queueWaitSeconds: Math.max(0, r.queue_wait_seconds), ageSeconds: Math.max(0, r.age_seconds), firstClaim: r.first_claim },
  };
}
