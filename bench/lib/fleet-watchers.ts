// The subscribers of bench/fleet.ts: one graphql-ws socket per watched job, through the real API, each
// with its job's account's key, as a frontend follows its own job. The time of each step is taken just
// before its progress write (fleet-slots.ts, in a host process, sends it here) and settled by the first
// receipt of that step or a later one (the API may merge a burst of steps into one message; a subscriber
// that sees step s knows the earlier ones). Times are epoch ms (performance.timeOrigin + now()), which
// processes on one machine share; a receipt may be read here before its step's send time (two pipes into
// one event loop), so recent receipts are kept to settle a late-told step.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { deferred, withTimeout } from "./stats.js";

const SUBSCRIPTION = `subscription($id: ID!) { jobProgress(id: $id) { step status } }`;
const CONNECT_BATCH = 50; // sockets opened at once, so the handshakes do not all time out together
const RECENT = 8; // receipts kept per job for steps whose send time arrives after them
const epochNow = () => performance.timeOrigin + performance.now();

export class FleetWatchers {
  private readonly clients: Client[] = [];
  private readonly pending = new Map<string, Map<number, number>>();
  private readonly recent = new Map<string, { step: number; at: number }[]>();
  readonly samples: number[] = [];
  /** steps sent while the window was open */
  sentInWindow = 0;
  private windowFrom = Infinity;

  /** Opens one subscription per job; resolves when each has received its first event. */
  async watch(wsUrl: string, jobs: { id: string; key: string }[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += CONNECT_BATCH) {
      await Promise.all(jobs.slice(i, i + CONNECT_BATCH).map((job) => this.subscribe(wsUrl, job)));
    }
  }

  /** From now on, steps of watched jobs are timed. */
  openWindow(): void {
    this.windowFrom = epochNow();
  }

  /** A step of a watched job was about to be written at `at` (epoch ms). */
  sent(jobId: string, step: number, at: number): void {
    const waiting = this.pending.get(jobId);
    if (!waiting || at < this.windowFrom) return;
    this.sentInWindow++;
    const heard = this.recent.get(jobId)!.find((r) => r.step >= step && r.at >= at);
    if (heard) this.samples.push(heard.at - at);
    else waiting.set(step, at);
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
    this.recent.set(job.id, []);
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
    const now = epochNow();
    const recent = this.recent.get(jobId)!;
    recent.push({ step, at: now });
    if (recent.length > RECENT) recent.shift();
    const waiting = this.pending.get(jobId)!;
    for (const [sentStep, sentAt] of waiting) {
      if (sentStep > step) continue;
      this.samples.push(now - sentAt);
      waiting.delete(sentStep);
    }
  }
}
