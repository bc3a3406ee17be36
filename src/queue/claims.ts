// Claims, batched per process the way completions are (completions.ts): a claim is sent at once when none
// is in flight, so a lone claimer never waits; the workers that want a job while one is in flight go
// together in the next claim_jobs() call (sql/claimJob.ts says what one call does and why it pays). Each
// caller still gets its own answer: a job leased to its own worker id, or null.
import type { Sql } from "../db/pool.js";
import type { JobStage } from "../jobs/states.js";
import type { LaneClock } from "./lanes.js";
import { claimJobs } from "./sql/claimJob.js";
import type { ClaimedJob } from "./types.js";

/** claims per call at most */
const BATCH = 64;

interface Waiting { workerId: string; firstStage: JobStage | null; settle: (job: ClaimedJob | null | Error) => void }

export class ClaimBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;

  /** `lanes`: the process's lane passes, read for each call and advanced by every claim it made. */
  constructor(private readonly sql: Sql, private readonly leaseMs: number, private readonly lanes: LaneClock,
    private readonly channel: string | null = null) {}

  claim(workerId: string, firstStage: JobStage | null): Promise<ClaimedJob | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ workerId, firstStage, settle: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      // One call enters one first stage: the claimers that asked for another wait for the next call.
      const stage = this.waiting[0]!.firstStage;
      const batch = this.waiting.filter((w) => w.firstStage === stage).slice(0, BATCH);
      this.waiting = this.waiting.filter((w) => !batch.includes(w));
      try {
        const claims = await claimJobs(this.sql, batch.map((w) => w.workerId), this.leaseMs, stage, this.lanes.passes(), this.channel);
        // In the order the call made them (the slots' order), as the function advanced its own passes.
        for (const claim of claims) if (claim) this.lanes.served(claim.job.tier, claim.weights);
        batch.forEach((w, i) => w.settle(claims[i]?.job ?? null));
      } catch (error) {
        for (const w of batch) w.settle(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.flushing = false;
  }
}
