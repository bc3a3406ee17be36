// Claims, batched per process the way completions are (completions.ts): a claim is sent at once when none
// is in flight, so a lone claimer never waits; the workers that want a job while one is in flight go
// together in the next claim_jobs() call (sql/claimJob.ts says what one call does and why it pays). Each
// caller still gets its own answer: the jobs leased to its own worker id (up to the count it asked for:
// one, or more for a worker that runs short jobs and keeps a few ahead, workers/local-queue.ts), or none.
import type { Sql } from "../db/pool.js";
import type { JobStage } from "../jobs/states.js";
import type { LaneClock } from "./lanes.js";
import { claimJobs } from "./sql/claimJob.js";
import type { ClaimedJob } from "./types.js";

/** claims per call at most */
const BATCH = 64;

interface Waiting { workerId: string; firstStage: JobStage | null; count: number; settle: (jobs: ClaimedJob[] | Error) => void }

export class ClaimBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;

  /** `lanes`: the process's lane passes, read for each call and advanced by every claim it made. */
  constructor(private readonly sql: Sql, private readonly leaseMs: number, private readonly lanes: LaneClock,
    private readonly channel: string | null = null) {}

  /** Up to `count` jobs for `workerId`, in the order the call claimed them (fair share's order). */
  claim(workerId: string, firstStage: JobStage | null, count = 1): Promise<ClaimedJob[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ workerId, firstStage, count: Math.max(1, count), settle: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      // One call enters one first stage: the claimers that asked for another wait for the next call.
      const stage = this.waiting[0]!.firstStage;
      const batch: Waiting[] = [];
      let slots = 0;
      for (const w of this.waiting) {
        if (w.firstStage !== stage) continue;
        if (batch.length > 0 && slots + w.count > BATCH) break;
        batch.push(w);
        slots += w.count;
      }
      this.waiting = this.waiting.filter((w) => !batch.includes(w));
      // Each worker's first slot comes before anyone's extra ones: a worker with nothing to run is served
      // before another's run-ahead, and a call that runs dry stops at the extras.
      const firsts = batch.map((w) => w.workerId);
      const extras = batch.flatMap((w, i) => Array.from({ length: w.count - 1 }, () => i));
      try {
        const claims = await claimJobs(this.sql, [...firsts, ...extras.map((i) => firsts[i]!)], this.leaseMs, stage, this.lanes.passes(), this.channel);
        // In the order the call made them (the slots' order), as the function advanced its own passes.
        for (const claim of claims) if (claim) this.lanes.served(claim.job.tier, claim.weights);
        const got: ClaimedJob[][] = batch.map(() => []);
        claims.forEach((claim, slot) => {
          if (claim) got[slot < firsts.length ? slot : extras[slot - firsts.length]!]!.push(claim.job);
        });
        batch.forEach((w, i) => w.settle(got[i]!));
      } catch (error) {
        for (const w of batch) w.settle(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.flushing = false;
  }
}
