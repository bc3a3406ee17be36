// A claim's timeline is stored as one row (0026_timeline_claim_row: one heap tuple per claim instead of
// three or four, inside the claim's statement). Read back, it is the events it stands for, in their
// order, field for field what the four-row form held: STAGE_LEFT of the queue (worker and token null,
// the queue wait as its duration), CLAIMED (its own detail: attempts, maxAttempts), RESUMED from a
// checkpoint's step, STAGE_ENTERED of the first stage. Every other row is returned as it is.

/** The columns of a stored event that the expansion reads and writes. */
export interface StoredEvent {
  id: string;
  kind: string;
  stage: string | null;
  step: number | null;
  durationSeconds: number | null;
  workerId: string | null;
  fencingToken: string | null;
  detail: Record<string, unknown>;
}

/** One stored row as the events it stands for (a compact claim: two to four; anything else: itself). */
export function expandStoredEvent<T extends StoredEvent>(row: T): T[] {
  if (row.kind !== "CLAIMED" || row.detail.compact !== true) return [row];
  const { compact: _compact, leftQueue, resumed, entered, ...claimed } = row.detail;
  const out: T[] = [];
  if (leftQueue === true) {
    out.push({ ...row, id: `${row.id}.0`, kind: "STAGE_LEFT", stage: "QUEUED", step: null, workerId: null, fencingToken: null, detail: {} } as T);
  }
  out.push({ ...row, durationSeconds: null, detail: claimed } as T);
  if (resumed && typeof resumed === "object") {
    const { step, checkpoint } = resumed as { step: number; checkpoint: unknown };
    out.push({ ...row, id: `${row.id}.2`, kind: "RESUMED", step, durationSeconds: null, detail: { checkpoint } } as T);
  }
  if (entered === true) {
    out.push({ ...row, id: `${row.id}.3`, kind: "STAGE_ENTERED", step: null, durationSeconds: null, detail: {} } as T);
  }
  return out;
}

/** Stored rows, in order, as the timeline's events. */
export function expandStoredEvents<T extends StoredEvent>(rows: readonly T[]): T[] {
  return rows.flatMap((row) => expandStoredEvent(row));
}
