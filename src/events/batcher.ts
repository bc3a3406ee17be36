// Step events of one process, published without holding the step up. A worker adds an event per
// denoising step and goes on at once; the bus sends it (PgEventBus batches what a process publishes while
// one NOTIFY transaction is in flight into the next: one commit per round trip, however many jobs the
// process runs). flush() is what a synchronous write waits for first, so no step event can reach
// subscribers after the stage change or the end that write announces.
//
// The gather (`gatherMs`, KINEMA_STEP_GATHER_MS): the first step event waits that long for others of the
// process to join it, and all are handed to the bus in one turn (one NOTIFY transaction). A process that
// runs many jobs then sends one commit per gather instead of one per round trip, which is most of its
// commits when the round trip is short; every event is still sent, in order, each with its own payload.
// It delays each step event by at most `gatherMs`; a synchronous write's flush() sends at once.
//
// The interval (`intervalMs`, KINEMA_STEP_EVENT_INTERVAL_MS): the process hands step events to the bus at
// most once per interval. The first event after a quiet interval goes on the next turn (in a one-job
// worker process, steps slower than the interval, a GPU's, are never held; in a process running several
// jobs a slow job's step may wait behind another job's release); faster ones wait for the interval to
// end and then go together. On 2 cores a CPU step of ~20 ms used to send a NOTIFY per step: the
// statement, its commit and the subscribers' wake-ups took ~1 ms of CPU a step from the model's threads
// (bench:denoise); at the 100 ms default it is one publish per ~5 such steps, each step still its own
// event, for at most 100 ms more before a subscriber hears it.
//
// When nothing holds an event (no gather, the interval passed) it is handed to the bus on the next turn
// of the event loop (setImmediate), not inside add(): the step that adds it goes straight on, and the
// publish (the NOTIFY's statement built and written to the socket) runs while the model call does
// (bench:denoise's progress write p50 at the default geometry: 0.15 ms before, 0.09 ms after). Events
// added in one turn go together.
import type { EventBus, JobEvent } from "./bus.js";

/** KINEMA_STEP_GATHER_MS's default (bench:fleet measured it; docs/DEPLOY.md gives the figures). */
export const DEFAULT_STEP_GATHER_MS = 0;
/** KINEMA_STEP_EVENT_INTERVAL_MS's default: at most ten step publishes a second per process. */
export const DEFAULT_STEP_EVENT_INTERVAL_MS = 100;

export class EventBatcher {
  /** the last publish: the bus sends in order within a process, so it settles after every earlier one */
  private last: Promise<void> | null = null;
  private gathered: JobEvent[] = [];
  /** cancels the scheduled release (a timer of gatherMs, or the next turn's immediate) */
  private gathering: (() => void) | null = null;

  /** when the last release handed events over (performance.now()) */
  private releasedAt = -Infinity;

  constructor(private readonly bus: EventBus, private readonly onError: (error: unknown, lost: number) => void, private readonly gatherMs = 0,
    private readonly intervalMs = 0) {}

  add(event: JobEvent): void {
    this.gathered.push(event);
    if (this.gathering) return;
    const wait = Math.max(this.gatherMs, this.releasedAt + this.intervalMs - performance.now());
    if (wait > 0) {
      // unreferenced: events held for a lease that ended without a synchronous write (a lost one) must
      // not keep a closing process up
      const timer = setTimeout(() => this.release(), wait).unref();
      this.gathering = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => this.release());
      this.gathering = () => clearImmediate(immediate);
    }
  }

  /** Resolves when every event added before the call has been published (or given up on). */
  async flush(): Promise<void> {
    this.release();
    await this.last;
  }

  /** Hands what was gathered to the bus in one turn, in order. */
  private release(): void {
    this.gathering?.();
    this.gathering = null;
    const events = this.gathered;
    if (events.length === 0) return;
    this.gathered = [];
    this.releasedAt = performance.now();
    for (const event of events) this.send(event);
  }

  private send(event: JobEvent): void {
    // Events are hints (the row is the truth, and a subscriber re-reads it on a resync): a failed publish
    // is reported, not retried, so the next steps are not held behind it.
    const sent = this.bus.publish(event).catch((error: unknown) => this.onError(error, 1));
    this.last = sent;
    void sent.then(() => { if (this.last === sent) this.last = null; });
  }
}
