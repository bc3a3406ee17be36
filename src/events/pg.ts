// EventBus over PostgreSQL LISTEN/NOTIFY: every API and worker process hears every job's events; step
// events (progressOnly) go on their own channel, which only processes that serve subscribers listen to
// (the API: its ProgressHub; a worker process has no use for the fleet's steps, ~1 per running job per
// second, each a message to send and parse). One connection listens to both, so the events of the two
// channels arrive in commit order (PostgreSQL's one notification queue): a step never overtakes the stage
// change or end announced after it. Publishing goes through the shared pool. If the listening
// connection drops, it reconnects with backoff and tells listeners to resync (events may be lost).
import pg from "pg";
import type { Sql } from "../db/pool.js";
import type { BusEvent, EventBus, JobEvent, Listener } from "./bus.js";

const CHANNEL = "kinema_events";
const STEP_CHANNEL = "kinema_steps";
const PING_EVERY_MS = 15_000;
const PING_TIMEOUT_MS = 5_000;
/** events per NOTIFY transaction at most (each payload is a few hundred bytes) */
const PUBLISH_BATCH = 200;

/*
 * publish — the events waiting in this process, one NOTIFY each, in one autocommit transaction, committed
 * without waiting for the WAL flush. PostgreSQL holds one database-wide lock from a notifying transaction's
 * pre-commit until its commit ends, so every notifying commit in the cluster waits for the one before it;
 * with synchronous_commit on, that wait includes the WAL flush (the transaction is given an xid to commit).
 * This transaction writes nothing but the notifications, so a crash could lose nothing else, and they are
 * delivered at commit either way. Identical payloads in one transaction are delivered once (NOTIFY's rule):
 * they are duplicates of one hint anyway.
 */
const PUBLISH = `/* publishEvents */
SELECT count(pg_notify(channel, payload)) AS sent FROM unnest($1::text[], $2::text[]) AS x(channel, payload)
WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL`;

export interface PgEventBusOptions {
  /** listen to the step channel too (default true): processes that serve subscribers (the API) */
  steps?: boolean;
}

export class PgEventBus implements EventBus {
  readonly sqlChannel = CHANNEL;
  readonly stepChannel = STEP_CHANNEL;
  private readonly listeners = new Set<Listener>();
  private client: pg.Client | null = null;
  private closed = false;
  private reconnectDelayMs = 100;
  /** events published while a batch was in flight: they go together in the next one */
  private waiting: { channel: string; payload: string; settle: (error?: unknown) => void }[] = [];
  private flushing = false;

  private constructor(private readonly connectionString: string, private readonly sql: Sql, private readonly steps: boolean) {}

  static async connect(connectionString: string, sql: Sql, options: PgEventBusOptions = {}): Promise<PgEventBus> {
    const bus = new PgEventBus(connectionString, sql, options.steps ?? true);
    await bus.listen();
    return bus;
  }

  /**
   * Resolves once the event is sent. One batch is in flight at a time; what is published meanwhile goes
   * in the next, so an idle process sends at once and a busy one sends one statement per round trip
   * instead of one per event (submissions, steps). Order is kept within this process. An idle process
   * starts its batch a microtask later, so the events of one moment (several jobs' steps at once) go in
   * one statement, not the first alone and the rest after its round trip.
   */
  publish(event: JobEvent): Promise<void> {
    // NOTIFY payloads are limited to 8000 bytes; ours are a few hundred.
    const payload = JSON.stringify(event);
    return new Promise((resolve, reject) => {
      this.waiting.push({ channel: event.progressOnly ? STEP_CHANNEL : CHANNEL, payload, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.flushing) {
        this.flushing = true;
        queueMicrotask(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, PUBLISH_BATCH);
      try {
        await this.sql.query({ text: PUBLISH, values: [batch.map((e) => e.channel), batch.map((e) => e.payload)] });
        for (const e of batch) e.settle();
      } catch (error) {
        for (const e of batch) e.settle(error ?? new Error("publish failed"));
      }
    }
    this.flushing = false;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    // keepAlive plus a ping: a connection that dies without a reset (a partition) otherwise never says
    // so, and every subscription of this process would wait forever.
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    client.on("notification", (msg) => {
      if ((msg.channel !== CHANNEL && msg.channel !== STEP_CHANNEL) || !msg.payload) return;
      // A job event, or the outbox trigger's `{"kind":"webhooks"}` (migration 0017).
      this.deliver(JSON.parse(msg.payload) as BusEvent);
    });
    client.on("error", () => this.reconnect(client));
    client.on("end", () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.steps) await client.query(`LISTEN ${STEP_CHANNEL}`);
    } catch (error) {
      // A LISTEN that fails after the connect would otherwise leave this connection open for good, one
      // more at every reconnect attempt; the listeners above see `this.client !== client` and ignore it.
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    this.reconnectDelayMs = 100;
    this.schedulePing(client);
  }

  private schedulePing(client: pg.Client): void {
    const timer = setTimeout(() => {
      if (this.closed || this.client !== client) return;
      const deadline = setTimeout(() => this.reconnect(client), PING_TIMEOUT_MS);
      client.query("SELECT 1").then(() => {
        clearTimeout(deadline);
        this.schedulePing(client);
      }, () => {
        clearTimeout(deadline);
        this.reconnect(client);
      });
    }, PING_EVERY_MS);
    timer.unref();
  }

  private reconnect(broken: pg.Client): void {
    if (this.closed || this.client !== broken) return;
    this.client = null;
    broken.end().catch(() => {});
    this.scheduleListen();
  }

  private scheduleListen(): void {
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(5_000, delay * 2);
    setTimeout(() => {
      if (this.closed) return;
      this.listen().then(() => this.deliver({ kind: "resync" }), () => this.scheduleListen());
    }, delay).unref();
  }

  private deliver(event: BusEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
