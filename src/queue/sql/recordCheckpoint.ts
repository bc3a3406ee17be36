import type { Sql } from "../../db/pool.js";
import type { CheckpointRef, Lease } from "../types.js";
import { fencedWrite } from "./fenced.js";

/*
 * recordCheckpoint — points the job at a checkpoint the worker has just stored, stamped with its lease.
 * Fenced: a worker that lost its lease cannot replace the new owner's checkpoint. Primary-key write.
 */
const RECORD_CHECKPOINT = `/* recordCheckpoint */
UPDATE jobs SET checkpoint = $3::jsonb, updated_at = now()
WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'
RETURNING id`;

export async function recordCheckpoint(sql: Sql, lease: Lease, key: string, step: number): Promise<CheckpointRef> {
  const ref: CheckpointRef = { key, step, fencingToken: lease.fencingToken };
  await fencedWrite(sql, "recordCheckpoint", RECORD_CHECKPOINT, lease, [JSON.stringify(ref)]);
  return ref;
}
