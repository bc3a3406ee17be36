// The lease sweeper: requeues (or fails, past their attempts) the jobs of workers that stopped
// heartbeating, and expires queued jobs past their deadline. It runs once per fleet, under the "lease-sweeper" leader election (src/app.ts), on its own
// timer so expired leases are freed even while every worker is busy. The sweep statement is fenced, so a
// second sweeper (a handover's brief overlap) would be harmless, only wasted work.
import type { Logger } from "../log.js";
import { removeJobObjects } from "../storage/job-objects.js";
import type { ObjectStore } from "../storage/store.js";

export interface Sweepable {
  sweepJobs(): Promise<{ id: string; status: string }[]>;
  /** queued jobs past their deadline -> EXPIRED (src/queue/sql/expireJobs.ts); on the same elected tick */
  expireJobs?(): Promise<{ id: string }[]>;
}

export class LeaseSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly queue: Sweepable, private readonly store: ObjectStore | null, private readonly everyMs: number, private readonly log: Logger) {}

  /** Sweeps now, then every `everyMs` until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.everyMs);
    void this.sweep();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private sweep(): Promise<void> {
    this.running ??= this.sweepOnce().finally(() => { this.running = null; });
    return this.running;
  }

  private async sweepOnce(): Promise<void> {
    try {
      const swept = await this.queue.sweepJobs();
      if (swept.length > 0) this.log.info({ swept: swept.length }, "requeued jobs of workers that stopped heartbeating");
      // A job the sweep ended (cancelled, or out of attempts) keeps nothing; one requeued resumes from its
      // checkpoint. After the fenced sweep statement, never before it (src/storage/job-objects.ts).
      const { store } = this;
      for (const job of store ? swept.filter((j) => j.status !== "QUEUED") : []) {
        await removeJobObjects(store!, job.id).catch((error) => this.log.warn({ err: error, jobId: job.id }, "could not remove a swept job's objects"));
      }
    } catch (error) {
      this.log.warn({ err: error }, "sweep failed; trying again on the next tick");
    }
    try {
      const expired = await this.queue.expireJobs?.() ?? [];
      if (expired.length > 0) this.log.info({ expired: expired.length }, "expired queued jobs past their deadline");
    } catch (error) {
      this.log.warn({ err: error }, "deadline sweep failed; trying again on the next tick");
    }
  }
}
