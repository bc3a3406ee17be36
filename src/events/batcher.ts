// Step events of one process, published in batches without holding anyone up. A worker process adds an
// event per denoising step and goes on at once; the batcher keeps at most one publish in flight and sends
// what piled up meanwhile as the next one, so a process running one job sends one NOTIFY per step, and
// one running many (the fleet simulator, a multi-GPU host) sends one per round trip, not one per job.
// No timer: an event waits only for the publish ahead of it, never for a batch to fill.
import type { EventBus, JobEvent } from "./bus.js";

export class EventBatcher {
  private pending: JobEvent[] = [];
  private inFlight: Promise<void> | null = null;

  constructor(private readonly bus: EventBus, private readonly onError: (error: unknown, lost: number) => void) {}

  add(event: JobEvent): void {
    this.pending.push(event);
    this.inFlight ??= this.drain();
  }

  /** Resolves when every event added before the call has been published (or given up on). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async drain(): Promise<void> {
    // One turn of the event loop first: steps that finish in the same turn share the first NOTIFY too.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        // Events are hints (the row is the truth, and each subscriber re-reads it on a resync); a batch
        // that cannot be sent is reported, not retried, so the next steps are not held behind it.
        await this.bus.publishMany(batch).catch((error: unknown) => this.onError(error, batch.length));
      }
    } finally {
      this.inFlight = null;
    }
  }
}
