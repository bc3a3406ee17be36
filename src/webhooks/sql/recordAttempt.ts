import type { Sql } from "../../db/pool.js";

/*
 * recordAttempt — one attempt's outcome, in one statement: the attempt row, the delivery's new state
 * (DELIVERED; PENDING again at $next; FAILED when the retry window is spent) and the endpoint's health
 * (a success clears failing_since; a failure sets it if unset, and an endpoint failing since more than
 * $disableAfterMs ago is disabled with the reason its owner sees). Primary-key updates only.
 */
const RECORD = `/* recordAttempt */
WITH attempt AS (
  INSERT INTO webhook_attempts (delivery_id, succeeded, response_status, latency_ms, error)
  VALUES ($1, $2::boolean, $3::int, $4::int, $5::text)
), delivery AS (
  UPDATE webhook_deliveries SET
    state = CASE WHEN $2 THEN 'DELIVERED' WHEN $6::timestamptz IS NULL THEN 'FAILED' ELSE 'PENDING' END,
    delivered_at = CASE WHEN $2 THEN clock_timestamp() ELSE delivered_at END,
    next_attempt_at = COALESCE($6::timestamptz, next_attempt_at),
    last_error = $5
  WHERE id = $1
  RETURNING endpoint_id, retry_from
), health AS (
  -- Failing for a day: no success since failing_since, and either that is over a window ago or this
  -- delivery just spent its whole window with no success anywhere since its first attempt.
  SELECT ep.id, NOT $2 AND ep.enabled AND ep.failing_since IS NOT NULL
      AND (ep.failing_since < clock_timestamp() - $7::int * interval '1 millisecond'
        OR ($6::timestamptz IS NULL AND ep.failing_since <= COALESCE((SELECT min(a.attempted_at) FROM webhook_attempts a
          WHERE a.delivery_id = $1 AND a.attempted_at >= delivery.retry_from), now()))) AS disable
  FROM webhook_endpoints ep JOIN delivery ON ep.id = delivery.endpoint_id
)
UPDATE webhook_endpoints ep SET
  -- now(), as attempted_at: the first failed attempt and failing_since compare equal
  failing_since = CASE WHEN $2 THEN NULL ELSE COALESCE(ep.failing_since, now()) END,
  enabled = ep.enabled AND NOT health.disable,
  disabled_at = CASE WHEN health.disable THEN clock_timestamp() ELSE ep.disabled_at END,
  disabled_reason = CASE WHEN health.disable
    THEN 'Every delivery failed since ' || to_char(ep.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '; last error: ' || COALESCE($5, 'unknown')
    ELSE ep.disabled_reason END,
  updated_at = clock_timestamp()
FROM health WHERE ep.id = health.id
RETURNING ep.enabled`;

export interface AttemptOutcome {
  deliveryId: string;
  succeeded: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** the next attempt's time; null: give up (FAILED). Ignored when succeeded */
  nextAttemptAt: Date | null;
}

/** Returns whether the endpoint is still enabled (null for a one-off URL). */
export async function recordAttempt(sql: Sql, outcome: AttemptOutcome, disableAfterMs: number): Promise<boolean | null> {
  const { rows } = await sql.query<{ enabled: boolean }>({
    name: "recordAttempt", text: RECORD,
    values: [outcome.deliveryId, outcome.succeeded, outcome.status, outcome.latencyMs, outcome.error?.slice(0, 500) ?? null,
      outcome.succeeded ? null : outcome.nextAttemptAt, disableAfterMs],
  });
  return rows[0]?.enabled ?? null;
}
