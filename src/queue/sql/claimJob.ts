import type { Sql } from "../../db/pool.js";
import type { JobStage } from "../../jobs/states.js";
import type { ClaimedJob } from "../types.js";
import { announceParams, announcing } from "./announce.js";

/*
 * claimJob — one statement: weighted fair share between the tier lanes, FIFO within a lane, a burst cap
 * per account; leases the job it picks.
 *
 * Fairness (stride scheduling). scheduler_lanes holds each tier's pass (virtual time). The lanes are
 * tried in order of pass (ties: PLUS first); the first lane with a claimable job is served, and its pass
 * advances by 1 / weight (scheduler_config.plus_weight, free_weight; defaults 2 and 1). So while both
 * lanes have work, claims come out in the ratio of the weights (exactly, for one claimer: with 2:1,
 * PLUS PLUS FREE, repeated), and a lane with nothing claimable is skipped: its share goes to the others.
 * A lane that was idle does not bank credit: its pass is first raised to (highest pass - largest
 * stride), so on its return it gets at most one stride's catch-up, not a monopoly. With fair_share off
 * the lanes are tried in order of their head job's age: plain FIFO over both tiers (for comparison).
 * Concurrent claimers read the passes from their snapshot and may serve the same lane at once; the
 * UPDATE of the lane row is serialised by its row lock and adds each stride to the latest pass, so no
 * claim is lost from the accounting and the deviation from the ideal ratio is bounded by the number of
 * claims in flight.
 *
 * Burst cap. scheduler_accounts.running counts an account's RUNNING jobs; a trigger on jobs keeps it
 * (0004_scheduler), whatever statement changes a status. The claim joins the job to its account's row
 * and locks both (FOR UPDATE OF j, a SKIP LOCKED) with `a.running < cap` in the WHERE. Under READ
 * COMMITTED a row lock re-reads the row's latest committed version and re-checks the condition
 * (EvalPlanQual), so a claimer that locks the counter after another claim of the same account committed
 * sees the new count, never a stale snapshot; two claims of one account in flight at once are impossible
 * (the second skips the locked counter row and takes another account's job). Why not
 * pg_try_advisory_xact_lock on the account: the lock is taken mid-statement but the statement's
 * snapshot is older, so a count of RUNNING jobs read under it can miss a claim that committed just
 * before the lock was granted (the cap could be exceeded by one per racing claimer).
 *
 * Locks, in order: scheduler_config and scheduler_lanes are only read (snapshot) until the end; the job
 * row and its account's counter row, SKIP LOCKED (a claimer never waits on another); then the served
 * lane's row (FOR UPDATE by the UPDATE: the one wait between claimers, held until commit, microseconds);
 * the trigger's counter update is on a row this statement already holds. A finishing job's trigger waits
 * on a counter row a claimer holds, never the reverse, so there is no cycle.
 * Index: jobs_lane_idx (partial, status = 'QUEUED', on tier, created_at, id): each lane's head.
 *
 * Unchanged from the FIFO claim: run_after; a job whose last failure asked for another worker skips the
 * worker that failed it, unless nobody else took it for 30 s; the job enters the pipeline's first stage
 * ($3); a new run starts at its checkpoint's step; a job never started is not started past its deadline
 * (deadline_at, 0013: the expiry sweep marks it EXPIRED); every claim draws a new fencing token and counts an
 * attempt; the claim is announced in the same statement (announce.ts).
 */
const CTES = `cfg AS (
  SELECT fair_share, plus_weight, free_weight, plus_burst_cap, free_burst_cap FROM scheduler_config WHERE id = 1
),
lanes AS (
  SELECT l.tier, l.pass,
    1.0 / CASE WHEN l.tier = 'PLUS' THEN cfg.plus_weight ELSE cfg.free_weight END AS stride,
    CASE WHEN l.tier = 'PLUS' THEN cfg.plus_burst_cap ELSE cfg.free_burst_cap END AS cap,
    CASE WHEN cfg.fair_share THEN l.pass
      ELSE (SELECT extract(epoch FROM min(q.created_at)) FROM jobs q
            WHERE q.status = 'QUEUED' AND q.tier = l.tier AND q.run_after <= now())::float8 END AS rank
  FROM scheduler_lanes l CROSS JOIN cfg
),
next AS (
  SELECT coalesce(c.id, o.id) AS id, l.tier FROM (SELECT tier, cap, rank FROM lanes ORDER BY rank NULLS LAST, tier DESC) l
  LEFT JOIN LATERAL (
    SELECT j.id FROM jobs j JOIN scheduler_accounts a ON a.account_id = j.account_id
    WHERE j.status = 'QUEUED' AND j.tier = l.tier AND j.run_after <= now()
      AND (j.avoid_worker IS NULL OR j.avoid_worker <> $1 OR j.run_after < now() - interval '30 seconds')
      AND (j.deadline_at IS NULL OR j.deadline_at > now() OR j.started_at IS NOT NULL)
      AND a.running < l.cap
    -- tier first (it is fixed here) so the planner walks jobs_lane_idx within the lane; ordered by
    -- created_at alone it walked the whole queue and filtered by tier (0.45 ms a claim at 2,000 queued)
    ORDER BY j.tier, j.created_at, j.id
    LIMIT 1
    FOR UPDATE OF j, a SKIP LOCKED
  ) c ON true
  -- An account whose counter row is missing (deleted, truncated) must not be unclaimable: its job runs as
  -- if the account ran nothing (the status trigger then creates the row; the reconciler restores it
  -- anyway). Only looked for when the lane had nothing claimable above (c.id IS NULL: a one-time filter).
  LEFT JOIN LATERAL (
    SELECT j.id FROM jobs j
    WHERE c.id IS NULL AND j.status = 'QUEUED' AND j.tier = l.tier AND j.run_after <= now()
      AND (j.avoid_worker IS NULL OR j.avoid_worker <> $1 OR j.run_after < now() - interval '30 seconds')
      AND (j.deadline_at IS NULL OR j.deadline_at > now() OR j.started_at IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM scheduler_accounts a WHERE a.account_id = j.account_id)
    ORDER BY j.tier, j.created_at, j.id
    LIMIT 1
    FOR UPDATE OF j SKIP LOCKED
  ) o ON true
  WHERE coalesce(c.id, o.id) IS NOT NULL
  LIMIT 1
),
served AS (
  UPDATE scheduler_lanes s SET
    pass = greatest(s.pass, (SELECT max(pass) - max(stride) FROM lanes)) + l.stride,
    claims = s.claims + 1
  FROM next JOIN lanes l ON l.tier = next.tier
  WHERE s.tier = next.tier
  RETURNING s.tier
)`;

const CLAIM = announcing(`/* claimJob */
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
  extract(epoch FROM now() - j.created_at)::float8 AS age_seconds, j.started_at = j.updated_at AS first_claim`, 4, CTES);

export async function claimJob(
  sql: Sql, workerId: string, leaseMs: number, firstStage: JobStage | null, channel: string | null,
): Promise<ClaimedJob | null> {
  const { rows } = await sql.query({
    name: "claimJob", text: CLAIM,
    values: [workerId, leaseMs, firstStage, ...announceParams(channel, { queueChanged: true })],
  });
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id, accountId: r.account_id, tier: r.tier, stage: r.stage, prompt: r.prompt, resolution: r.resolution,
    width: r.width, height: r.height, durationSeconds: r.duration_seconds, fps: r.fps, seed: r.seed,
    stepBudget: r.step_budget, stepsCompleted: r.steps_completed, attempts: r.attempts, maxAttempts: r.max_attempts,
    fencingToken: r.fencing_token, metadata: r.metadata ?? {}, checkpoint: r.checkpoint ?? null,
    timing: { queueWaitSeconds: Math.max(0, r.queue_wait_seconds), ageSeconds: Math.max(0, r.age_seconds), firstClaim: r.first_claim },
  };
}
