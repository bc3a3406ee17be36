import type { Sql } from "../../db/pool.js";

/*
 * claimDeliveries — up to $1 due outbox rows for this sender, each leased for $2 ms: the lease is the row's
 * next_attempt_at pushed forward (and attempts + 1), so a sender that dies mid-send leaves a row that
 * comes due again by itself; no lock is held across the HTTP request. FOR UPDATE SKIP LOCKED lets every
 * API replica claim at once without waiting on each other (each locks only the rows it returns).
 *
 * In order per job and target: a row is skipped while an earlier PENDING row of the same job for the same
 * endpoint (or one-off URL) exists, leased or waiting for a retry. Two senders cannot both pass that check
 * for rows 1 and 2 of one job: row 1 stays PENDING (committed) until its send ends, so row 2 waits.
 * A test event (job_id null) has no order. Index: webhook_deliveries_due_idx (partial, pending only) for
 * the scan; webhook_deliveries_job_id_seq_idx for the check (a few rows per job).
 */
const CLAIM = `/* claimDeliveries */
WITH due AS (
  SELECT d.id FROM webhook_deliveries d
  WHERE d.state = 'PENDING' AND d.next_attempt_at <= clock_timestamp()
    AND NOT EXISTS (
      SELECT 1 FROM webhook_deliveries e
      WHERE e.job_id = d.job_id AND e.seq < d.seq AND e.state = 'PENDING'
        AND e.endpoint_id IS NOT DISTINCT FROM d.endpoint_id AND e.url IS NOT DISTINCT FROM d.url)
  ORDER BY d.next_attempt_at, d.seq
  LIMIT $1
  FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE webhook_deliveries d
  SET next_attempt_at = clock_timestamp() + $2::int * interval '1 millisecond', attempts = d.attempts + 1
  FROM due WHERE d.id = due.id
  RETURNING d.id, d.seq, d.event, d.payload, d.attempts, d.retry_from, d.created_at, d.endpoint_id, d.job_id, d.url
)
-- One join per row for what the send needs (three subqueries on the endpoint before).
SELECT c.id, c.seq, c.event, c.payload, c.attempts, c.retry_from, c.created_at, c.endpoint_id, c.job_id,
  COALESCE(ep.url, c.url) AS url, ep.enabled AS endpoint_enabled,
  CASE WHEN ep.id IS NOT NULL THEN ARRAY[ep.secret] || CASE WHEN ep.previous_secret_expires_at > clock_timestamp()
    THEN ARRAY[ep.previous_secret] ELSE ARRAY[]::text[] END END AS endpoint_secrets,
  j.webhook_secret AS job_secret
FROM claimed c
LEFT JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
LEFT JOIN jobs j ON j.id = c.job_id AND c.endpoint_id IS NULL`;

export interface ClaimedDelivery {
  id: string;
  seq: string;
  event: string;
  payload: Record<string, unknown>;
  /** including this one */
  attempts: number;
  retry_from: Date;
  created_at: Date;
  endpoint_id: string | null;
  job_id: string | null;
  url: string;
  /** null for a one-off URL */
  endpoint_enabled: boolean | null;
  /** sealed: the current secret first, then the previous one while its grace period lasts */
  endpoint_secrets: string[] | null;
  job_secret: string | null;
}

export async function claimDeliveries(sql: Sql, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await sql.query<ClaimedDelivery>({ name: "claimDeliveries", text: CLAIM, values: [limit, leaseMs] });
  return rows;
}
