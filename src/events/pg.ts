// EventBus over PostgreSQL LISTEN/NOTIFY: every API and worker process hears every job's events.
// One dedicated connection listens; publishing goes through the shared pool. If the listening
// connection drops, it reconnects with backoff and tells listeners to resync (events may be lost).
import pg from "pg";
import type { Sql } from "../db/pool.js";
import type { BusEvent, EventBus, JobEvent, Listener } from "./bus.js";

const CHANNEL = "kinema_events";
const PING_EVERY_MS = 15_000;
const PING_TIMEOUT_MS = 5_000;

export class PgEventBus implements EventBus {
  readonly sqlChannel = CHANNEL;
  private readonly listeners = new Set<Listener>();
  private client: pg.Client | null = null;
  private closed = false;
  private reconnectDelayMs = 100;

  private constructor(private readonly connectionString: string, private readonly sql: Sql) {}

  static async connect(connectionString: string, sql: Sql): Promise<PgEventBus> {
    const bus = new PgEventBus(connectionString, sql);
    await bus.listen();
    return bus;
  }

  async publish(event: JobEvent): Promise<void> {
    // NOTIFY payloads are limited to 8000 bytes; ours are a few hundred.
    await this.sql.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify(event)]);
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
      if (msg.channel !== CHANNEL || !msg.payload) return;
      // A job event, or the outbox trigger's `{"kind":"webhooks"}` (migration 0017).
      this.deliver(JSON.parse(msg.payload) as BusEvent);
    });
    client.on("error", () => this.reconnect(client));
    client.on("end", () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
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
