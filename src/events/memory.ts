// In-process EventBus for embedded mode, where API and worker share one process (PGlite cannot
// deliver NOTIFY across connections).
import type { BusEvent, EventBus, JobEvent, Listener } from "./bus.js";

export class MemoryEventBus implements EventBus {
  private readonly listeners = new Set<Listener>();

  async publish(event: JobEvent): Promise<void> {
    // Delivered on a later tick, like a NOTIFY after commit: publishers never run listener code inline.
    queueMicrotask(() => this.deliver(event));
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private deliver(event: BusEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
