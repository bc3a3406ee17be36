import type { Sql } from "../../db/pool.js";
import type { Tier } from "../../config/config.js";
import type { JobStage } from "../../jobs/states.js";
import type { ClaimedJob } from "../types.js";
import { type LanePasses, laneOrderParams } from "../lanes.js";

/*
 * claimJob — one statement: weighted fair share between the tier lanes, FIFO within a lane, a burst cap
 * per account; leases the job it picks. It writes the job row only (and, through the status trigger,
 * the account's counter row it already holds): no shared row, no NOTIFY, so claimers never queue behind
 * one another's commits.
 *
 * Fairness (stride scheduling, decided by the claimer). The caller passes each lane's pass (virtual time,
 * kept by the JobQueue: lanes.ts) as $4 (PLUS) and $5 (FREE). The lanes are tried in order of pass (ties:
 * PLUS first); the first lane with a claimable job is served, and the caller advances that lane's pass
 * by 1 / weight (scheduler_config.plus_weight, free_weight, returned with the row so a change applies at
 * the next claim). While both lanes have work, one claimer's claims come out in the ratio of the weights
 * (with 2:1: PLUS FREE PLUS, repeated); a lane with nothing claimable is skipped and its share goes to
 * the others. Every claimer applies the same ratio to its own claims, so the fleet's claims do too.
 * Why not a shared pass row: every claim updated it (0004), so every claimer waited on the row lock of
 * the one before it until that one's commit had flushed: 16 workers claimed slower than 4 (bench:queue).
 * With fair_share off the lanes are tried in order of their head job's age: plain FIFO over both tiers.
 *
 * Burst cap. scheduler_accounts.running counts an account's RUNNING jobs; a trigger on jobs keeps it
 * (0004_scheduler), whatever statement changes a status. The claim joins the job to its account's row
 * and locks both (FOR UPDATE OF j, a SKIP LOCKED) with `a.running < cap` in the WHERE. Under READ
 * COMMITTED a row lock re-reads the row's latest committed version and re-checks the condition
 * (EvalPlanQual), so a claimer that locks the counter after another claim of the same account committed
 * sees the new count, never a stale snapshot; two claims of one account in flight at once are impossible
 * (the second skips the locked counter row and takes another account's job). Why not
 * pg_try_advisory_xact_lock on the account, or a count of RUNNING rows: the statement's snapshot is
 * older than the lock, so a count read under it can miss a claim that committed just before the lock was
 * granted (the cap could be exceeded by one per racing claimer).
 *
 * Locks, in order: scheduler_config is only read (snapshot); the job row and its account's counter row,
 * SKIP LOCKED (a claimer never waits on another); the trigger's counter update is on a row this
 * statement already holds. A finishing job's trigger waits on a counter row a claimer holds, never the
 * reverse, so there is no cycle.
 * Index: jobs_lane_idx (partial, status = 'QUEUED', on tier, created_at, id): each lane's head. Both
 * laterals walk it (an empty lane costs one index probe); ordered by created_at alone the planner walked
 * the whole queue and filtered by tier (0.45 ms a claim at 2,000 queued).
 *
 * Announcing: not in this statement. A NOTIFY makes PostgreSQL serialise the commits of all notifying
 * transactions, fsync included; the caller publishes the claim after the commit (JobQueue.claim), and a
 * lost claim event costs nothing lasting: every later write of the job (progress, finish, sweep)
 * announces itself in its own statement.
 *
 * Unchanged from the FIFO claim: run_after; a job whose last failure asked for another worker skips the
 * worker that failed it, unless nobody else took it for 30 s; the job enters the pipeline's first stage
 * ($3); a new run starts at its checkpoint's step; a job never started is not started past its deadline
 * (deadline_at, 0013: the expiry sweep marks it EXPIRED); every claim draws a new fencing token and counts an
 * attempt.
 */
/** What makes a queued job of `tier` claimable by worker $1 now (shared by the lane's two look-ups). */
const claimable = (tier: Tier) => `j.status = 'QUEUED' AND j.tier = '${tier}' AND j.run_after <= now()
      AND (j.avoid_worker IS NULL OR j.avoid_worker <> $1 OR j.run_after < now() - interval '30 seconds')
      AND (j.deadline_at IS NULL OR j.deadline_at > now() OR j.started_at IS NOT NULL)`;

/**
 * One lane's head: `<tier>_c`, the oldest claimable job whose account is under the cap, both rows locked;
 * `<tier>_o`, one whose account has no counter row (deleted, truncated: it runs as if the account ran
 * nothing; the status trigger then creates the row, the reconciler restores it anyway). The tier is a
 * literal, so the planner estimates each lane on its own statistics and walks jobs_lane_idx.
 */
const lane = (tier: Tier, cap: string) => `${tier}_c AS (
  SELECT j.id FROM jobs j JOIN scheduler_accounts a ON a.account_id = j.account_id
  WHERE ${claimable(tier)} AND a.running < (SELECT ${cap} FROM cfg)
  ORDER BY j.tier, j.created_at, j.id::text LIMIT 1
  FOR UPDATE OF j, a SKIP LOCKED
),
${tier}_o AS (
  SELECT j.id FROM jobs j
  WHERE ${claimable(tier)} AND NOT EXISTS (SELECT 1 FROM scheduler_accounts a WHERE a.account_id = j.account_id)
  ORDER BY j.tier, j.created_at, j.id::text LIMIT 1
  FOR UPDATE OF j SKIP LOCKED
)`;

/** The head (created_at) of a lane's claimable jobs, for FIFO over both lanes. */
const head = (tier: Tier) => `(SELECT q.created_at FROM jobs q WHERE q.status = 'QUEUED' AND q.tier = '${tier}' AND q.run_after <= now()
    ORDER BY q.tier, q.created_at, q.id::text LIMIT 1)`;

// A SELECT CTE runs only when read, and coalesce() stops at its first non-null argument: the lanes are
// looked at in order and the claim stops at the first job found (an empty lane costs one index probe).
const CLAIM = `/* claimJob */
WITH cfg AS (
  SELECT fair_share, plus_weight, free_weight, plus_burst_cap, free_burst_cap,
    CASE WHEN fair_share THEN $4::float8 <= $5::float8 ELSE coalesce(${head("PLUS")} <= ${head("FREE")}, ${head("PLUS")} IS NOT NULL) END AS plus_first
  FROM scheduler_config WHERE id = 1
),
${lane("PLUS", "plus_burst_cap")},
${lane("FREE", "free_burst_cap")},
next AS (
  SELECT CASE WHEN cfg.plus_first
    THEN coalesce((SELECT id FROM PLUS_c), (SELECT id FROM PLUS_o), (SELECT id FROM FREE_c), (SELECT id FROM FREE_o))
    ELSE coalesce((SELECT id FROM FREE_c), (SELECT id FROM FREE_o), (SELECT id FROM PLUS_c), (SELECT id FROM PLUS_o)) END AS id
  FROM cfg
)
UPDATE jobs AS j SET
  status = 'RUNNING',
  stage = coalesce($3::"JobStage", j.stage),
  -- a new run starts where the last checkpoint left off, not where the last run happened to stop
  steps_completed = coalesce((j.checkpoint->>'step')::int, 0),
  attempts = j.attempts + 1,
  lease_owner = $1,
  lease_expires_at = now() + $2 * interval '1 millisecond',
  fencing_token = nextval('job_fencing_seq'),
  started_at = coalesce(j.started_at, now()),
  updated_at = now()
FROM next WHERE j.id = next.id
RETURNING j.id, j.account_id, j.tier, j.status, j.stage, j.prompt, j.resolution, j.width, j.height, j.duration_seconds,
  j.fps, j.seed, j.step_budget, j.steps_completed, j.attempts, j.max_attempts, j.fencing_token, j.metadata, j.checkpoint,
  -- for metrics, on the database's clock: the claim set started_at and updated_at to the same now() only
  -- if this was the job's first claim
  extract(epoch FROM j.started_at - j.created_at)::float8 AS queue_wait_seconds,
  extract(epoch FROM now() - j.created_at)::float8 AS age_seconds, j.started_at = j.updated_at AS first_claim,
  -- the weights in force for this claim: the caller advances the served lane's pass by them
  (SELECT jsonb_build_object('fairShare', fair_share, 'PLUS', plus_weight, 'FREE', free_weight) FROM cfg) AS weights`;

/** A claimed job, and the weights the claim served it under (for the caller's lane passes). */
export interface Claim { job: ClaimedJob; weights: { fairShare: boolean } & Record<Tier, number> }

export async function claimJob(
  sql: Sql, workerId: string, leaseMs: number, firstStage: JobStage | null, passes: LanePasses = { PLUS: 0, FREE: 0 },
): Promise<Claim | null> {
  const { rows } = await sql.query({
    name: "claimJob", text: CLAIM, values: [workerId, leaseMs, firstStage, ...laneOrderParams(passes)],
  });
  const r = rows[0];
  if (!r) return null;
  return {
    job: {
      id: r.id, accountId: r.account_id, tier: r.tier, stage: r.stage, prompt: r.prompt, resolution: r.resolution,
      width: r.width, height: r.height, durationSeconds: r.duration_seconds, fps: r.fps, seed: r.seed,
      stepBudget: r.step_budget, stepsCompleted: r.steps_completed, attempts: r.attempts, maxAttempts: r.max_attempts,
      fencingToken: r.fencing_token, metadata: r.metadata ?? {}, checkpoint: r.checkpoint ?? null,
      timing: { queueWaitSeconds: Math.max(0, r.queue_wait_seconds), ageSeconds: Math.max(0, r.age_seconds), firstClaim: r.first_claim },
    },
    weights: r.weights,
  };
}
