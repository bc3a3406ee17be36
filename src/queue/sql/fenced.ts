import type { Sql } from "../../db/pool.js";
import { LeaseLostError } from "../errors.js";
import type { Lease } from "../types.js";
import { faultPoint } from "../../testing/faults.js";

/**
 * Runs a worker's write for a job as a named (prepared) statement. Every such statement has
 * `WHERE id = $1 AND fencing_token = $2 AND status::text = 'RUNNING'`: a worker whose lease was swept or
 * re-claimed matches no row, and is told so.
 *
 * Why `status::text`: `status = 'RUNNING'` is the predicate of the partial index jobs_running_idx (0027),
 * so the planner could read the job through it. With statistics taken while few jobs ran (a quiet hour,
 * a fresh queue) that index looks empty, as cheap as the primary key, and it was chosen: every write then
 * read every running job's entry (bench:fleet's database saturated from ~1,500 jobs: 2,000 missed in every
 * run; by key its default sweep held 2,500; an ad-hoc loop of one client at 2,000 running jobs had a
 * progress row at ~1.2 ms and a heartbeat at ~0.9 ms, ~0.2 and ~0.3 by key). The cast is not implied
 * by that predicate, so only the primary key serves the statement (test/fenced-plans.test.ts checks every
 * fenced statement's custom and generic plans with such statistics).
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
