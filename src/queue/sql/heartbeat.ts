import type { Sql } from "../../db/pool.js";
import type { Lease } from "../types.js";
import { fencedWrite } from "./fenced.js";

/*
 * heartbeat — extends the lease. Locks one row by primary key; refused (LeaseLostError) when the token is stale.
 * Returns whether the owner of the job asked to cancel it, so a running job learns of a cancel here too.
 * Announces nothing: nothing a client sees has changed.
 */
export const HEARTBEAT = `/* heartbeat */
UPDATE jobs SET lease_expires_at = now() + $3 * interval '1 millisecond'
WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'
RETURNING cancel_requested_at IS NOT NULL AS cancel_requested`;

export async function heartbeat(sql: Sql, lease: Lease, leaseMs: number): Promise<{ cancelRequested: boolean }> {
  const row = await fencedWrite<{ cancel_requested: boolean }>(sql, "heartbeat", HEARTBEAT, lease, [leaseMs]);
  return { cancelRequested: row.cancel_requested };
}
