// Step events of one process, published without holding the step up. A worker adds an event per
// denoising step and goes on at once; the bus sends it (PgEventBus batches what a process publishes while
// one NOTIFY transaction is in flight into the next: one commit per round trip, however many jobs the
// process runs). flush() is what a synchronous write waits for first, so no step event can reach
// subscribers after the stage change or the end that write announces.
import type { EventBus, JobEvent } from "./bus.js";

export class EventBatcher {
  /** the last publish: the bus sends in order within a process, so it settles after every earlier one */
  private last: Promise<void> | null = null;

  constructor(private readonly bus: EventBus, private readonly onError: (error: unknown, lost: number) => void) {}

  add(event: JobEvent): void {
    // Events are hints (the row is the truth, and a subscriber re-reads it on a resync): a failed publish
    // is reported, not retried, so the next steps are not held behind it.
    const sent = this.bus.publish(event).catch((error: unknown) => this.onError(error, 1));
    this.last = sent;
    void sent.then(() => { if (this.last === sent) this.last = null; });
  }

  /** Resolves when every event added before the call has been published (or given up on). */
  async flush(): Promise<void> {
    await this.last;
  }
}
