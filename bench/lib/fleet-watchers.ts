// The subscribers of bench/fleet.ts: one graphql-ws socket per watched job, through the real API, each
// with its job's account's key, as a frontend follows its own job. The time of each step is taken just
// before its progress write (fleet-slots.ts calls `sent`) and settled by the first receipt of that step or
// a later one (the API may merge a burst of steps into one message; a subscriber that sees step s knows the
// earlier ones).
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { deferred, withTimeout } from "./stats.js";

const SUBSCRIPTION = `subscription($id: ID!) { jobProgress(id: $id) { step status } }`;
const CONNECT_BATCH = 50; // sockets opened at once, so the handshakes do not all time out together

export class FleetWatchers {
  private readonly clients: Client[] = [];
  private readonly pending = new Map<string, Map<number, number>>();
  readonly samples: number[] = [];
  /** steps sent while the window was open */
  sentInWindow = 0;
  private windowOpen = false;

  /** Opens one subscription per job; resolves when each has received its first event. */
  async watch(wsUrl: string, jobs: { id: string; key: string }[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += CONNECT_BATCH) {
      await Promise.all(jobs.slice(i, i + CONNECT_BATCH).map((job) => this.subscribe(wsUrl, job)));
    }
  }

  /** From now on, steps of watched jobs are timed. */
  openWindow(): void {
    this.windowOpen = true;
  }

  /** Called just before a step's progress write. */
  sent(jobId: string, step: number): void {
    const waiting = this.pending.get(jobId);
    if (!waiting || !this.windowOpen) return;
    waiting.set(step, performance.now());
    this.sentInWindow++;
  }

  /** Steps sent in the window that no subscriber has received (yet). */
  unreceived(): number {
    let n = 0;
    for (const waiting of this.pending.values()) n += waiting.size;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.dispose()));
    this.clients.length = 0;
  }

  private subscribe(wsUrl: string, job: { id: string; key: string }): Promise<void> {
    const client = createClient({
      url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${job.key}` },
      retryAttempts: 0, lazy: true, lazyCloseTimeout: 600_000,
    });
    this.clients.push(client);
    this.pending.set(job.id, new Map());
    const first = deferred();
    client.subscribe<{ jobProgress: { step: number; status: string } }>({ query: SUBSCRIPTION, variables: { id: job.id } }, {
      next: (value) => {
        if (value.errors?.length) return first.reject(new Error(value.errors[0]!.message));
        this.received(job.id, value.data!.jobProgress.step);
        first.resolve();
      },
      error: (error) => first.reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => {},
    });
    return withTimeout(first.promise, 60_000, `first event for ${job.id}`);
  }

  private received(jobId: string, step: number): void {
    const now = performance.now();
    const waiting = this.pending.get(jobId)!;
    for (const [sentStep, sentAt] of waiting) {
      if (sentStep > step) continue;
      this.samples.push(now - sentAt);
      waiting.delete(sentStep);
    }
  }
}
