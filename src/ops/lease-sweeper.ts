// The lease sweeper: requeues (or fails, past their attempts) the jobs of workers that stopped
// heartbeating. It runs once per fleet, under the "lease-sweeper" leader election (src/app.ts), on its own
// timer so expired leases are freed even while every worker is busy. The sweep statement is fenced, so a
// second sweeper (a handover's brief overlap) would be harmless, only wasted work.
import type { Logger } from "../log.js";

export interface Sweepable {
  sweep(): Promise<number>;
}

export class LeaseSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly queue: Sweepable, private readonly everyMs: number, private readonly log: Logger) {}

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
      const swept = await this.queue.sweep();
      if (swept > 0) this.log.info({ swept }, "requeued jobs of workers that stopped heartbeating");
    } catch (error) {
      this.log.warn({ err: error }, "sweep failed; trying again on the next tick");
    }
  }
}
