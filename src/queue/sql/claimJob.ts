import type { QueryResultRow } from "pg";
import type { Sql } from "../../db/pool.js";
import type { Tier } from "../../config/config.js";
import type { JobStage } from "../../jobs/states.js";
import type { ClaimedJob } from "../types.js";
import { type LanePasses, laneOrderParams } from "../lanes.js";

/*
 * claimJobs — the claim, for one or several workers of one process in one call of claim_jobs() (migration
 * 0022_claim_batch, PL/pgSQL). Per worker id, in order, one claim statement: weighted fair share between
 * the tier lanes, FIFO within a lane, a burst cap per account; it leases the job it picks to that worker
 * (its own fencing token, its own attempt). It writes the job rows only (and, through the status trigger,
 * the accounts' counter rows it already holds): no shared row, no NOTIFY, so claimers never queue behind
 * one another's commits. Why several in one call: half of a lone claim was the statement's own overhead
 * (bind, executor start-up, commit and its WAL flush, the round trip, the driver's work per query); the
 * workers of a process that want a job while a claim is in flight share the next call (claims.ts).
 *
 * Fairness (stride scheduling, decided by the claimer). The caller passes each lane's pass (virtual time,
 * kept by the JobQueue: lanes.ts) as plus_pass and free_pass. Each claim tries the lanes in order of pass
 * (ties: PLUS first); the first lane with a claimable job is served, and its pass advances by 1 / weight
 * (scheduler_config.plus_weight, free_weight, read by that claim) inside the function, so the next worker's
 * claim in the same call sees it; each row comes back with its weights and the caller replays them through
 * LaneClock.served in order, ending with the same passes. While both lanes have work, one process's claims
 * come out in the ratio of the weights (with 2:1: PLUS FREE PLUS, repeated), batched or not; a lane with
 * nothing claimable is skipped and its share goes to the others. Every process applies the same ratio to
 * its own claims, so the fleet's claims do too.
 * Why not a shared pass row: every claim updated it (0004), so every claimer waited on the row lock of
 * the one before it until that one's commit had flushed: 16 workers claimed slower than 4 (bench:queue).
 * With fair_share off the lanes are tried in order of their head job's age: plain FIFO over both tiers.
 *
 * Burst cap. scheduler_accounts.running counts an account's RUNNING jobs; a trigger on jobs keeps it
 * (0004_scheduler; since 0024 four triggers that run only when RUNNING is entered or left), whatever
 * statement changes a status. Each claim joins the job to its account's row
 * and locks both (FOR UPDATE OF j, a SKIP LOCKED) with `a.running < cap` in the WHERE. Each claim in the
 * call is its own statement, so under READ COMMITTED it takes a fresh snapshot, and a row lock re-reads
 * the row's latest committed version and re-checks the condition (EvalPlanQual): a claimer that locks the
 * counter after another claim of the same account committed sees the new count, never a stale snapshot;
 * two claims of one account in flight in different transactions are impossible (the second skips the
 * locked counter row and takes another account's job). Within one call, a counter row an earlier claim
 * locked is the transaction's own: it is not skipped, and it is read with that claim's trigger update
 * (the statements of one transaction see each other's writes), so a batch that serves one account
 * several times stops exactly at the cap. Why not pg_try_advisory_xact_lock on the account, or a count
 * of RUNNING rows: the statement's snapshot is older than the lock, so a count read under it can miss a
 * claim that committed just before the lock was granted (the cap could be exceeded by one per racing
 * claimer).
 *
 * Locks, in order: scheduler_config is only read (snapshot); per claim, the job row and its account's
 * counter row, SKIP LOCKED (a claimer never waits on another); the trigger's counter update is on a row
 * the transaction already holds. All of a call's rows stay locked until its commit: other processes'
 * claimers skip those accounts meanwhile (a batch is short: ~0.3 ms a job). A finishing job's trigger
 * waits on a counter row a claimer holds, never the reverse, so there is no cycle.
 * Index: jobs_claim_idx (0020, partial, status = 'QUEUED', on tier, created_at, id::text): each lane's
 * head. Both look-ups walk it (an empty lane costs one index probe).
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
