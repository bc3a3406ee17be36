import type { Sql } from "../../db/pool.js";

/*
 * recordAttempts — the outcomes of a batch of attempts, in one statement (unnest of parallel arrays): the
 * deliveries' new states (DELIVERED; PENDING again at next_at; FAILED when the retry window is spent), one
 * attempt row each, and each endpoint's health. One statement per batch instead of one per delivery: at
 * 2,000 deliveries/s the per-statement cost (~1 ms of CPU on a loaded 2-core machine, plus a pool
 * connection) was what capped the sender at ~1,300/s (bench:webhooks, issue 16).
 *
 * Locks: the deliveries' rows first (primary key; a delivery deleted meanwhile, by its job's or endpoint's
 * cascade, is simply not updated, and its attempt row is not inserted: the attempts come from the UPDATE's
 * RETURNING, so no foreign key can fail the batch), then the endpoints' rows, and only those whose health
 * changes: a success on a healthy endpoint writes nothing to it (before, every delivery rewrote its
 * endpoint's row, 10,000 updates of 10 rows in the bench).
 *
 * Health, per endpoint, from the batch's outcomes in the order they ended ($ord): the last one decides. A
 * success last clears failing_since. A failure last sets it (now(), as attempted_at, when unset or when the
 * batch also had a success) and disables an enabled endpoint that was already failing with no success
 * since: failing since more than $disableAfterMs ago, or a delivery of the batch that just spent its whole
 * window with no success anywhere since its first attempt in that window (the rule of one attempt at a
 * time, which this batch form reproduces when a batch holds one outcome).
 */
const RECORD = `/* recordAttempts */
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::boolean[], $3::int[], $4::int[], $5::text[], $6::timestamptz[])
    WITH ORDINALITY AS i(delivery_id, succeeded, status, latency_ms, error, next_at, ord)
), delivery AS (
  UPDATE webhook_deliveries d SET
    state = CASE WHEN i.succeeded THEN 'DELIVERED' WHEN i.next_at IS NULL THEN 'FAILED' ELSE 'PENDING' END,
    delivered_at = CASE WHEN i.succeeded THEN clock_timestamp() ELSE d.delivered_at END,
    next_attempt_at = COALESCE(i.next_at, d.next_attempt_at),
    last_error = i.error
  FROM input i WHERE d.id = i.delivery_id
  RETURNING d.id, d.endpoint_id, d.retry_from, i.succeeded, i.status, i.latency_ms, i.error, i.next_at, i.ord
), attempt AS (
  INSERT INTO webhook_attempts (delivery_id, succeeded, response_status, latency_ms, error)
  SELECT id, succeeded, status, latency_ms, error FROM delivery ORDER BY ord
), last AS (
  SELECT DISTINCT ON (endpoint_id) endpoint_id, succeeded, error FROM delivery
  WHERE endpoint_id IS NOT NULL ORDER BY endpoint_id, ord DESC
), health AS (
  SELECT ep.id, last.error,
    CASE WHEN last.succeeded THEN NULL
      WHEN bool_or(d.succeeded) THEN now() ELSE COALESCE(ep.failing_since, now()) END AS failing_since,
    NOT last.succeeded AND ep.enabled AND NOT bool_or(d.succeeded) AND ep.failing_since IS NOT NULL
      AND (ep.failing_since < clock_timestamp() - $7::int * interval '1 millisecond'
        OR bool_or(NOT d.succeeded AND d.next_at IS NULL AND ep.failing_since <= COALESCE((SELECT min(a.attempted_at)
          FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.attempted_at >= d.retry_from), now()))) AS disable
  FROM last JOIN webhook_endpoints ep ON ep.id = last.endpoint_id JOIN delivery d ON d.endpoint_id = last.endpoint_id
  GROUP BY ep.id, ep.failing_since, ep.enabled, last.succeeded, last.error
)
UPDATE webhook_endpoints ep SET
  failing_since = health.failing_since,
  enabled = ep.enabled AND NOT health.disable,
  disabled_at = CASE WHEN health.disable THEN clock_timestamp() ELSE ep.disabled_at END,
  disabled_reason = CASE WHEN health.disable
    THEN 'Every delivery failed since ' || to_char(ep.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '; last error: ' || COALESCE(health.error, 'unknown')
    ELSE ep.disabled_reason END,
  updated_at = clock_timestamp()
FROM health WHERE ep.id = health.id AND (health.disable OR ep.failing_since IS DISTINCT FROM health.failing_since)`;

export interface AttemptOutcome {
  deliveryId: string;
  succeeded: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** the next attempt's time; null: give up (FAILED). Ignored when succeeded */
  nextAttemptAt: Date | null;
}

/** Writes `outcomes` (in the order their attempts ended) in one statement. */
export async function recordAttempts(sql: Sql, outcomes: readonly AttemptOutcome[], disableAfterMs: number): Promise<void> {
  if (outcomes.length === 0) return;
  await sql.query({
    name: "recordAttempts", text: RECORD,
    values: [
      outcomes.map((o) => o.deliveryId), outcomes.map((o) => o.succeeded), outcomes.map((o) => o.status),
      outcomes.map((o) => o.latencyMs), outcomes.map((o) => o.error?.slice(0, 500) ?? null),
      outcomes.map((o) => (o.succeeded ? null : o.nextAttemptAt)), disableAfterMs,
    ],
  });
}
