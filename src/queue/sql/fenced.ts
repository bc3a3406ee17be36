import type { Sql } from "../../db/pool.js";
import { LeaseLostError } from "../errors.js";
import type { Lease } from "../types.js";
import { faultPoint } from "../../testing/faults.js";

/**
 * Runs a worker's write for a job as a named (prepared) statement. Every such statement has
 * `WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'`: a worker whose lease was swept or
 * re-claimed matches no row, and is told so.
 */
export async function fencedWrite<R extends object>(
  sql: Sql, name: string, text: string, lease: Lease, values: unknown[] = [],
): Promise<R> {
  faultPoint(`sql:before:${name}`);
  const { rows } = await sql.query<R>({ name, text, values: [lease.jobId, lease.fencingToken, ...values] });
  faultPoint(`sql:after:${name}`);
  if (!rows[0]) throw new LeaseLostError(lease.jobId, lease.fencingToken, name);
  return rows[0];
}
