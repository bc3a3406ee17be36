// The statements of output removal (prisma/migrations/0011). A removal is decided in one statement that
// sets `removal_reason` and clears `video` (from then on the API hands out no URL and answers 410 for
// the old ones), and finished by another that sets `outputs_removed_at` once the objects are gone. What
// lies between (a crash, a job still running) is the removal sweeper's: jobs_pending_removal_idx.
import type { Sql } from "../db/pool.js";
import type { JobStatus } from "../jobs/states.js";

export type RemovalReason = "deleted" | "retention" | "takedown" | "account";

/** What a tombstone shows instead of the prompt. */
export const REDACTED_PROMPT = "[deleted]";

/** What the owner of a taken-down job reads (never the staff's reason). */
export const TAKEN_DOWN_MESSAGE = "This video was removed under our content policy.";

/** A job whose outputs were just marked for removal, with the video it pointed at before. */
export interface MarkedJob { id: string; accountId: string; status: JobStatus; formerVideo: unknown }

/*
 * tombstoneJobs — the jobs become tombstones: deleted_at, prompt redacted, no video, no cache key (so no
 * later submission is served this clip from the cache), removal_reason unless one is already set (a
 * taken-down job keeps 'takedown'). A BLOCKED or TAKEN_DOWN job keeps its prompt in the row, for the
 * safety team's records; the API shows the redacted text for every deleted job. Run after the cancel
 * (cancelJob / cancelAccountJobs), in its transaction. Locks each row first (FOR UPDATE in the CTE), so a
 * worker's fenced completion either committed before (the job is SUCCEEDED and its clip goes now) or
 * waits and then sees removal_reason (completeJob ends it CANCELLED with no video). Index: primary key
 * ($1 a job) or jobs_account_id_created_at_id_idx ($2 an account's).
 */
const TOMBSTONE = `/* tombstoneJobs */
WITH target AS (
  SELECT id, video FROM jobs
  WHERE account_id = $2 AND ($1::uuid IS NULL OR id = $1) AND deleted_at IS NULL
  FOR UPDATE
)
UPDATE jobs j SET
  deleted_at = now(),
  prompt = CASE WHEN j.status IN ('BLOCKED', 'TAKEN_DOWN') THEN j.prompt ELSE $3 END,
  video = NULL, cache_key = NULL,
  removal_reason = coalesce(j.removal_reason, $4),
  updated_at = now()
FROM target WHERE j.id = target.id
RETURNING j.id, j.account_id AS "accountId", j.status, target.video AS "formerVideo"`;

export async function tombstoneJobs(tx: Sql, accountId: string, jobId: string | null, reason: "deleted" | "account"): Promise<MarkedJob[]> {
  const { rows } = await tx.query<MarkedJob>(TOMBSTONE, [jobId, accountId, REDACTED_PROMPT, reason]);
  return rows;
}

/*
 * takeDownJobs — the job (SUCCEEDED, or already TAKEN_DOWN: then nothing changes) and every SUCCEEDED job
 * of its account that delivers the same clip (exact-match cache hits share the object) become
 * TAKEN_DOWN, with no video and the neutral message as their error. Returns the jobs changed; none when
 * the job was not delivered. Index: primary key, then jobs_account_id_created_at_id_idx.
 */
const TAKE_DOWN = `/* takeDownJobs */
WITH target AS (
  SELECT id, account_id, video->>'key' AS key FROM jobs WHERE id = $1 AND status = 'SUCCEEDED' FOR UPDATE
)
UPDATE jobs j SET
  status = 'TAKEN_DOWN', takedown_reason = $2, error_code = 'TAKEN_DOWN', error_message = $3,
  video = NULL, cache_key = NULL, removal_reason = 'takedown', outputs_removed_at = NULL, updated_at = now()
FROM target
WHERE j.id = target.id
   OR (target.key IS NOT NULL AND j.account_id = target.account_id AND j.status = 'SUCCEEDED' AND j.video->>'key' = target.key)
RETURNING j.id, j.account_id AS "accountId", j.status, NULL AS "formerVideo"`;

export async function takeDownJobs(tx: Sql, jobId: string, reason: string): Promise<MarkedJob[]> {
  const { rows } = await tx.query<MarkedJob>(TAKE_DOWN, [jobId, reason, TAKEN_DOWN_MESSAGE]);
  return rows;
}

/*
 * expireRetainedJobs — delivered clips older than their tier's retention lose their video (reason
 * 'retention'), oldest first, at most $3 per call; SKIP LOCKED so two sweepers (a leader handover) never
 * wait on each other. $1/$2: FREE/PLUS retention in seconds, 0 meaning kept forever. Index:
 * jobs_retention_idx (tier, finished_at) WHERE video IS NOT NULL.
 */
const EXPIRE = `/* expireRetainedJobs */
WITH expired AS (
  SELECT id, video FROM jobs
  WHERE video IS NOT NULL AND status = 'SUCCEEDED' AND removal_reason IS NULL
    AND ((tier = 'FREE' AND $1::int > 0 AND finished_at < now() - $1::int * interval '1 second')
      OR (tier = 'PLUS' AND $2::int > 0 AND finished_at < now() - $2::int * interval '1 second'))
  ORDER BY finished_at LIMIT $3
  FOR UPDATE SKIP LOCKED
)
UPDATE jobs j SET video = NULL, removal_reason = 'retention', updated_at = now()
FROM expired WHERE j.id = expired.id
RETURNING j.id, j.account_id AS "accountId", j.status, expired.video AS "formerVideo"`;

export async function expireRetainedJobs(sql: Sql, retentionSeconds: { FREE: number; PLUS: number }, limit: number): Promise<MarkedJob[]> {
  const { rows } = await sql.query<MarkedJob>(EXPIRE, [retentionSeconds.FREE, retentionSeconds.PLUS, limit]);
  return rows;
}

/*
 * pendingRemovals — jobs whose removal was decided but whose objects are not known to be gone, once they
 * are terminal (a deleted running job is removed after its worker stopped). Index: jobs_pending_removal_idx.
 */
const PENDING = `/* pendingRemovals */
SELECT id, account_id AS "accountId", status, NULL AS "formerVideo", removal_reason AS reason FROM jobs
WHERE removal_reason IS NOT NULL AND outputs_removed_at IS NULL AND status NOT IN ('QUEUED', 'RUNNING')
ORDER BY finished_at NULLS FIRST LIMIT $1`;

export async function pendingRemovals(sql: Sql, limit: number): Promise<(MarkedJob & { reason: RemovalReason })[]> {
  const { rows } = await sql.query<MarkedJob & { reason: RemovalReason }>(PENDING, [limit]);
  return rows;
}

/*
 * markOutputsRemoved — the objects are gone. Only for a terminal job: a deleted job still running is
 * finished by the sweeper after its worker stopped (and removed what it wrote). Primary key.
 */
export async function markOutputsRemoved(sql: Sql, jobId: string): Promise<boolean> {
  const { rowCount } = await sql.query(
    `/* markOutputsRemoved */
     UPDATE jobs SET outputs_removed_at = now(), updated_at = now()
     WHERE id = $1 AND removal_reason IS NOT NULL AND outputs_removed_at IS NULL AND status NOT IN ('QUEUED', 'RUNNING')`, [jobId]);
  return (rowCount ?? 0) > 0;
}

/*
 * sharedVideos — the videos (clip, poster, spritesheet keys inside) that other jobs of the account still
 * deliver and whose keys lie under this job's folders or name keys it pointed at: an exact-match cache
 * hit shares the source job's objects, which stay while any job delivers them. Index:
 * jobs_account_id_created_at_id_idx (the account's jobs).
 */
export async function sharedVideos(sql: Sql, accountId: string, jobId: string, keys: string[]): Promise<unknown[]> {
  const { rows } = await sql.query<{ video: unknown }>(
    `/* sharedVideos */
     SELECT video FROM jobs
     WHERE account_id = $1 AND id <> $2 AND video IS NOT NULL
       AND (position('/' || $2::text || '/' in video::text) > 0 OR video->>'key' = ANY($3::text[]))`,
    [accountId, jobId, keys]);
  return rows.map((r) => r.video);
}

/** Whether signed URLs for this job's objects must answer 410: its outputs were removed (or are being). */
export async function outputsGone(sql: Sql, jobId: string): Promise<boolean> {
  const { rows } = await sql.query<{ gone: boolean }>(
    `/* outputsGone */ SELECT removal_reason IS NOT NULL AS gone FROM jobs WHERE id = $1`, [jobId]);
  return rows[0]?.gone ?? false;
}
