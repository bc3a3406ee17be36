// Live job progress for the `jobProgress` subscription. One hub per API process listens to the event bus
// and feeds each subscription: progress-only events are applied to the subscriber's last snapshot (no
// query), anything else re-reads the row (the truth), and queue moves refresh the positions of every
// watched queued job with one batched query. A re-read is one read per event, shared by every
// subscriber of the job (with 25 subscribers: 1 read, not 25; test/fanout.test.ts counts them); each
// subscriber then checks the row's owner against its own account. A subscription's first read is
// shared the same way: subscriptions of one job that start together (a dashboard's, or a flood of
// them) wait for one read that starts after they all registered; at most one such read per job is in
// flight. (Read per start, 800 subscriptions from 32 sockets queued 2,400 statements ahead of every
// other request: bench:abuse's socket phase.)
import type { Account } from "../accounts/accounts.js";
import type { Sql } from "../db/pool.js";
import type { BusEvent, EventBus, JobEvent } from "../events/bus.js";
import type { JobRecord, JobService } from "../jobs/service.js";
import { isTerminal } from "../jobs/states.js";
import { queuePositions, queueStats } from "../queue/sql/queuePositions.js";
import { estimateEta } from "./eta.js";
import type { QueueStats } from "./loaders.js";
import { SignalQueue } from "./signals.js";

export interface JobProgressEvent {
  job: JobRecord;
  queuePosition: number | null;
  etaSeconds: number | null;
  previewKey: string | null;
}

/** Values a subscription already knows for a job snapshot, so `Job.queuePosition`/`etaSeconds` need no query. */
export const liveJobValues = new WeakMap<JobRecord, { queuePosition: number | null; etaSeconds: number | null }>();

/** The row (and its queue position) as read once after an event, for every subscriber of the job. */
interface SharedRead { row: JobRecord | null; position: number | null }
type ReadOnce = () => Promise<SharedRead>;

type Signal = { type: "reread"; full: boolean; read: ReadOnce } | { type: "progress"; event: JobEvent; read: ReadOnce }
  | { type: "position"; position: number } | { type: "close" };

/** What the hub reads jobs with (JobService); a port so a test can count the reads. */
export type JobReader = Pick<JobService, "getById">;

interface Watch { jobId: string; queue: SignalQueue<Signal>; queued: boolean; position: number | null }

// Positions move by one at every claim; users need them fresh, not every claim: at most one refresh a
// second (one query for every watched job), never two at once (they could finish out of order).
const POSITION_REFRESH_MS = 1_000;
/** Watchers woken per event-loop turn by a position refresh. */
const POSITION_SLICE = 50;
const STATS_TTL_MS = 2_000;
/** Retries of a failed read before a subscription gives up with an error: about 20 s in all. */
const READ_RETRIES = 14;
/** Running jobs whose last step event this process remembers (every API process hears every job's). */
const HEARD_STEPS_MAX = 20_000;

export class ProgressHub {
  private readonly watches = new Map<string, Set<Watch>>();
  private readonly unsubscribe: () => void;
  private positionTimer: NodeJS.Timeout | null = null;
  private lastPositionRefresh = 0;
  private positionsDirty = false;
  private stats: { at: number; value: Promise<QueueStats> } | null = null;
  /** per job: the first read of starting subscriptions that is in flight, and the one queued behind it */
  private readonly startReads = new Map<string, { current: Promise<SharedRead>; next: Promise<SharedRead> | null }>();
  /**
   * The last step event heard per running job, whoever watches it: the row takes a running job's step
   * count only every progressRowMs (src/queue/step-pipeline.ts), so a subscription that starts mid-run
   * (a page reload) would otherwise open behind the bar the user just saw. Dropped at the job's next
   * non-step event (a synchronous write: the row has caught up), oldest first past HEARD_STEPS_MAX.
   */
  private readonly heardSteps = new Map<string, { token: number; steps: number }>();

  constructor(bus: EventBus, private readonly jobs: JobReader, private readonly sql: Sql) {
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
  }

  close(): void {
    this.unsubscribe();
    if (this.positionTimer) clearTimeout(this.positionTimer);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.watches.values()) n += set.size;
    return n;
  }

  /**
   * The job's current state, then one event per change, ending with the terminal state; nothing at all
   * when the job does not exist or is not `account`'s. Aborting `signal` (the client went away) ends the
   * stream at once, even while it waits for the next change.
   */
  async *follow(account: Account, jobId: string, signal?: AbortSignal): AsyncGenerator<JobProgressEvent> {
    const watch: Watch = { jobId, queue: new SignalQueue(), queued: false, position: null };
    this.add(watch);
    const close = () => watch.queue.push({ type: "close" });
    signal?.addEventListener("abort", close, { once: true });
    try {
      // Read after registering, so no change between the row's last write and the first event is missed;
      // a read that fails on the database (a pooler restart, a failover) is tried again, fresh.
      const first = await this.retrying(async () => {
        const { row, position } = await this.startRead(jobId);
        return row && row.accountId === account.id ? this.snapshot(this.withHeardSteps(row), watch, position) : null;
      });
      if (!first) return;
      let current = first;
      yield current;
      while (!isTerminal(current.job.status)) {
        const signals = await watch.queue.drain();
        // One event per signal that changed something, in order: every step is its own event.
        if (signals.some((s) => s.type === "close")) return;
        for (let i = 0; i < signals.length && !isTerminal(current.job.status); i++) {
          const signal = signals[i]!;
          if (signal.type === "reread" && signals[i + 1]?.type === "reread" && !signal.full) continue; // one read serves both
          const next = await this.retrying((again) => again ? this.reread(account, current, watch, true, this.readOnce(watch.jobId)) : this.apply(account, current, signal, watch));
          if (next !== current && changed(current, next)) yield next;
          current = next;
        }
      }
    } finally {
      signal?.removeEventListener("abort", close);
      this.remove(watch);
    }
  }

  /**
   * A read that fails on the database (a pooler restart, a failover) is tried again with a fresh read of
   * the row, the truth, rather than ending the stream: an event the failed read was for is not lost.
   */
  private async retrying<T>(attempt: (again: boolean) => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt(tries > 0);
      } catch (error) {
        if (tries >= READ_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** tries)));
      }
    }
  }

  private async apply(account: Account, current: JobProgressEvent, signal: Signal, watch: Watch): Promise<JobProgressEvent> {
    switch (signal.type) {
      case "reread":
        return this.reread(account, current, watch, signal.full, signal.read);
      case "position": {
        // A position computed before a claim can arrive after the re-read that saw the job running.
        if (current.job.status !== "QUEUED") return current;
        const stats = await this.queueStats();
        return this.event(current.job, signal.position, estimateEta(current.job, signal.position, stats), current.previewKey);
      }
      case "progress": {
        // A lease this subscription has not seen yet (a retry or resume): read the row first.
        const fresh = (signal.event.fencingToken ?? 0) > Number(current.job.fencingToken);
        return applyProgress(fresh ? await this.reread(account, current, watch, false, signal.read) : current, signal.event);
      }
      case "close":
        return current;
    }
  }

  /**
   * The row, the truth, except for the step count of the run this subscription is following: that
   * advances only through its own step events, so each step is one event even when the row has moved
   * further ahead by the time it is read. After a delivery gap (`full`), or for a run not followed
   * from its start, the row's count is taken as it is.
   */
  private async reread(account: Account, current: JobProgressEvent, watch: Watch, full: boolean, read: ReadOnce): Promise<JobProgressEvent> {
    const { row, position } = await read();
    // The shared read is not scoped to an account: a subscriber sees only its own account's job.
    if (!row || row.accountId !== account.id) return current;
    const prev = current.job;
    const sameRun = prev.status === "QUEUED" || prev.fencingToken === row.fencingToken;
    if (!full && row.status === "RUNNING" && sameRun && row.stepsCompleted > prev.stepsCompleted) {
      return this.snapshot({ ...row, stepsCompleted: prev.stepsCompleted }, watch, position);
    }
    // The row takes a running job's step count only every progressRowMs (src/queue/step-pipeline.ts):
    // behind the step events this subscription has applied, it would step the count back.
    if (row.status === "RUNNING" && prev.status === "RUNNING" && prev.fencingToken === row.fencingToken && row.stepsCompleted < prev.stepsCompleted) {
      return this.snapshot({ ...row, stepsCompleted: prev.stepsCompleted }, watch, position);
    }
    return this.snapshot(row, watch, position);
  }

  /** `knownPosition`: the position read with the row (a shared read); undefined reads it here. */
  private async snapshot(job: JobRecord, watch: Watch, knownPosition?: number | null): Promise<JobProgressEvent> {
    const position = job.status !== "QUEUED" ? null
      : knownPosition !== undefined ? knownPosition : await this.positionOf(job.id);
    watch.queued = job.status === "QUEUED";
    watch.position = position;
    const eta = estimateEta(job, position, await this.queueStats());
    const previewKey = (job.progress as { previewKey?: string } | null)?.previewKey ?? null;
    return this.event(job, position, eta, previewKey);
  }

  private event(job: JobRecord, queuePosition: number | null, etaSeconds: number | null, previewKey: string | null): JobProgressEvent {
    liveJobValues.set(job, { queuePosition, etaSeconds });
    return { job, queuePosition, etaSeconds, previewKey };
  }

  private onEvent(event: BusEvent): void {
    if (event.kind === "resync") {
      for (const [jobId, set] of this.watches) {
        const signal: Signal = { type: "reread", full: true, read: this.readOnce(jobId) };
        for (const w of set) w.queue.push(signal);
      }
      return;
    }
    if (event.kind !== "job") return;
    this.hear(event);
    const set = this.watches.get(event.jobId);
    if (set) {
      // One read for this event, made by the first subscriber that needs it, shared by the rest.
      const read = this.readOnce(event.jobId);
      const signal: Signal = event.progressOnly ? { type: "progress", event, read } : { type: "reread", full: false, read };
      for (const w of set) w.queue.push(signal);
    }
    if (event.queueChanged) this.schedulePositionRefresh();
  }

  private hear(event: JobEvent): void {
    this.heardSteps.delete(event.jobId);
    if (!event.progressOnly || event.stepsCompleted === undefined || event.fencingToken === undefined) return;
    this.heardSteps.set(event.jobId, { token: Number(event.fencingToken), steps: event.stepsCompleted });
    if (this.heardSteps.size > HEARD_STEPS_MAX) this.heardSteps.delete(this.heardSteps.keys().next().value!);
  }

  /** A job's step count as `Job.stepsCompleted` answers it: the row's, or the last step heard of its lease. */
  stepsOf(job: JobRecord): number {
    return this.withHeardSteps(job).stepsCompleted;
  }

  /** A running row's step count, raised to the last step heard of the same lease (never lowered). */
  private withHeardSteps(row: JobRecord): JobRecord {
    const heard = this.heardSteps.get(row.id);
    if (row.status !== "RUNNING" || !heard || heard.token !== Number(row.fencingToken) || heard.steps <= row.stepsCompleted) return row;
    return { ...row, stepsCompleted: heard.steps };
  }

  /**
   * The job's row and queue position, read at most once, on first call (after the event, so it sees
   * the change the event announced). A subscriber that calls it later gets that same read, which is
   * still no older than its event.
   */
  /**
   * The row and position for subscriptions starting now: joins the read queued for the job if there is
   * one (it has not started, so it will see what the caller registered after), else starts one now, or,
   * while one is in flight, queues the next behind it. A subscriber never reads a row older than its
   * registration, and one job never has more than one start read in flight.
   */
  private startRead(jobId: string): Promise<SharedRead> {
    const reads = this.startReads.get(jobId);
    if (reads?.next) return reads.next;
    const start = (): Promise<SharedRead> => {
      const current = this.readOnce(jobId)();
      this.startReads.set(jobId, { current, next: null });
      const done = () => { if (this.startReads.get(jobId)?.current === current) this.startReads.delete(jobId); };
      current.then(done, done);
      return current;
    };
    if (!reads) return start();
    const next = reads.current.then(start, start);
    reads.next = next;
    return next;
  }

  private async positionOf(jobId: string): Promise<number | null> {
    return (await queuePositions(this.sql, [jobId])).get(jobId) ?? null;
  }

  private readOnce(jobId: string): ReadOnce {
    let read: Promise<SharedRead> | null = null;
    return () => (read ??= (async () => {
      const row = await this.jobs.getById(jobId);
      const position = row?.status === "QUEUED" ? await this.positionOf(jobId) : null;
      return { row, position };
    })());
  }

  private schedulePositionRefresh(): void {
    this.positionsDirty = true;
    if (this.positionTimer) return; // a refresh is pending or running; it re-runs if this change came late
    const wait = Math.max(0, this.lastPositionRefresh + POSITION_REFRESH_MS - Date.now());
    this.positionTimer = setTimeout(() => {
      this.lastPositionRefresh = Date.now();
      this.positionsDirty = false;
      void this.refreshPositions().catch(() => {}).finally(() => {
        this.positionTimer = null;
        if (this.positionsDirty) this.schedulePositionRefresh();
      });
    }, wait);
  }

  /** One query for every watched queued job; each watcher whose position moved gets a signal. */
  private async refreshPositions(): Promise<void> {
    const ids = [...this.watches.entries()].filter(([, set]) => [...set].some((w) => w.queued)).map(([id]) => id);
    if (ids.length === 0) return;
    const positions = await queuePositions(this.sql, ids);
    let woken = 0;
    for (const id of ids) {
      const position = positions.get(id);
      for (const w of this.watches.get(id) ?? []) {
        if (position === undefined || !w.queued || w.position === position) continue;
        w.position = position;
        w.queue.push({ type: "position", position });
        // Each claim moves every queued job: with 1,000 watchers one refresh wakes them all, and sending
        // 1,000 messages in one turn held step events back ~100 ms (bench:progress p99 64 ms). A turn of
        // the event loop after each slice lets the I/O that arrived meanwhile go first.
        if (++woken % POSITION_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  private queueStats(): Promise<QueueStats> {
    const now = Date.now();
    if (!this.stats || now - this.stats.at > STATS_TTL_MS) {
      const value = queueStats(this.sql);
      value.catch(() => (this.stats = null));
      this.stats = { at: now, value };
    }
    return this.stats.value;
  }

  private add(watch: Watch): void {
    let set = this.watches.get(watch.jobId);
    if (!set) this.watches.set(watch.jobId, (set = new Set()));
    set.add(watch);
  }

  private remove(watch: Watch): void {
    const set = this.watches.get(watch.jobId);
    set?.delete(watch);
    if (set?.size === 0) this.watches.delete(watch.jobId);
  }
}

/** A step event applied to the last snapshot. Stale events (an older lease, or fewer steps) are dropped. */
function applyProgress(current: JobProgressEvent, event: JobEvent): JobProgressEvent {
  const job = current.job;
  const token = event.fencingToken ?? job.fencingToken;
  if (job.status !== "RUNNING" || token < Number(job.fencingToken)) return current;
  if (token === Number(job.fencingToken) && (event.stepsCompleted ?? 0) < job.stepsCompleted) return current;
  const progress = { ...(job.progress as object), etaSeconds: event.etaSeconds ?? undefined, previewKey: event.previewKey ?? undefined };
  const next: JobRecord = {
    ...job, stage: event.stage, stepsCompleted: event.stepsCompleted ?? job.stepsCompleted, progress,
    fencingToken: BigInt(token), updatedAt: new Date(),
  };
  const eta = event.etaSeconds ?? current.etaSeconds;
  liveJobValues.set(next, { queuePosition: null, etaSeconds: eta });
  return { job: next, queuePosition: null, etaSeconds: eta, previewKey: event.previewKey ?? current.previewKey };
}

function changed(a: JobProgressEvent, b: JobProgressEvent): boolean {
  return a.job.status !== b.job.status || a.job.stage !== b.job.stage || a.job.stepsCompleted !== b.job.stepsCompleted
    || a.queuePosition !== b.queuePosition || a.etaSeconds !== b.etaSeconds || a.previewKey !== b.previewKey
    || a.job.attempts !== b.job.attempts;
}
