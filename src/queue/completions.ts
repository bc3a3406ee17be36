// Completions, batched per process: a completion is sent at once when none is in flight; those that
// arrive meanwhile go together in the next statement (sql/finishJob.ts, completeJobs, says why). Each
// caller still gets its own answer: its row, or LeaseLostError when its lease was gone.
import type { Sql } from "../db/pool.js";
import { faultPoint } from "../testing/faults.js";
import { LeaseLostError } from "./errors.js";
import type { WrittenRow } from "./sql/announce.js";
import { completeJobs, type Completion } from "./sql/finishJob.js";

/** completions per statement at most */
const BATCH = 64;

interface Waiting extends Completion { settle: (row: WrittenRow | Error) => void }

export class CompletionBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(private readonly sql: Sql, private readonly channel: string | null) {}

  complete(completion: Completion): Promise<WrittenRow> {
    // The fault points of the single fenced write, kept per job (test/faults names them).
    faultPoint("sql:before:completeJob");
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...completion, settle: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, BATCH);
      try {
        const rows = await completeJobs(this.sql, batch, this.channel);
        const written = new Map(rows.map((r) => [r.id, r]));
        for (const c of batch) {
          const row = written.get(c.lease.jobId);
          if (!row) {
            c.settle(new LeaseLostError(c.lease.jobId, c.lease.fencingToken, "completeJob"));
            continue;
          }
          faultPoint("sql:after:completeJob");
          c.settle({ id: row.id, status: row.status, stage: row.stage });
        }
      } catch (error) {
        for (const c of batch) c.settle(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.flushing = false;
  }
}
