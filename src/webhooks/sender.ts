// The webhook sender: every API process runs one (no election). It claims due outbox rows with FOR UPDATE
// SKIP LOCKED (sql/claimDeliveries.ts), so replicas share the work and add throughput, and a replica that
// dies leaves leased rows that come due again after the lease; an elected single sender would cap the
// fleet's delivery rate at one process's pool and add a failover gap. At most `concurrency` requests are
// in flight per process, each bounded by the timeout, over keep-alive connections (one agent per sender).
//
// The pool is refilled continuously, not in rounds: whenever a quarter of it is free and there may be
// more due (the last claim came back full, a send ended, or the outbox trigger announced new rows), one
// claim fills it again. Outcomes are written in batches (recorder.ts). Polling the outbox stays the
// truth; the outbox trigger's NOTIFY (migration 0017, a `webhooks` event on the bus) only wakes the sender
// sooner. With the in-process bus (embedded mode) there is no such NOTIFY, and every job event wakes it.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../log.js";
import { faultPoint } from "../testing/faults.js";
import type { AddressPolicy } from "./address-policy.js";
import { TEST_EVENT } from "./events.js";
import { postWebhook, type Agents } from "./http.js";
import { webhookAttempts, webhookLag } from "./metrics.js";
import { presentJob, type SignVideo } from "./payload.js";
import { AttemptRecorder } from "./recorder.js";
import { retryDelayMs, withinWindow } from "./retry.js";
import type { SecretBox } from "./secrets.js";
import { signWebhook } from "./signature.js";
import { claimDeliveries, type ClaimedDelivery } from "./sql/claimDeliveries.js";

export interface SenderDeps {
  sql: Sql;
  policy: AddressPolicy;
  box: SecretBox;
  signVideo: SignVideo;
  config: Config["webhooks"];
  log: Logger;
  bus?: EventBus;
}

export class WebhookSender {
  private inFlight = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  /** re-checks whether the loop may claim now (set while it waits) */
  private poke: (() => void) | null = null;
  private kicked = false;
  private unsubscribe: (() => void) | null = null;
  private readonly drained = new Set<() => void>();
  private readonly recorder: AttemptRecorder;
  private readonly agents: Agents;
  /** opened secrets by sealed value: one AES-GCM open per secret, not per delivery */
  private readonly opened = new Map<string, string>();

  constructor(private readonly deps: SenderDeps) {
    this.recorder = new AttemptRecorder(deps.sql, deps.config.retryWindowMs, deps.log);
    // Keep-alive: a healthy receiver is sent many requests over a few connections instead of one TCP (and
    // TLS) handshake each. At most `concurrency` sockets per origin, since no more requests are in flight.
    const options = { keepAlive: true, maxSockets: deps.config.concurrency, maxFreeSockets: deps.config.concurrency, scheduling: "lifo" as const };
    this.agents = { http: new HttpAgent(options), https: new HttpsAgent(options) };
  }

  /** A claim's lease: a request's timeout twice over plus 5 s of margin for the claim and the record. */
  get leaseMs(): number { return this.deps.config.timeoutMs * 2 + 5_000; }

  /** Claim again once this many slots are free: one claim statement per quarter pool, not per send. */
  private get refill(): number { return Math.max(1, Math.floor(this.deps.config.concurrency / 4)); }

  start(): void {
    if (this.running) return;
    this.running = true;
    const bus = this.deps.bus;
    this.unsubscribe = bus?.subscribe((event) => {
      if (event.kind === "webhooks" || event.kind === "resync" || (event.kind === "job" && !bus.sqlChannel)) this.kick();
    }) ?? null;
    this.loop = this.run();
  }

  /** Stops claiming and waits (at most one timeout) for the requests in flight and their records. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.poke?.();
    await this.loop;
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.deps.config.timeoutMs + 1_000);
        this.drained.add(() => { clearTimeout(timer); resolve(); });
      });
    }
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Claim now instead of at the next poll (as soon as the pool has room). */
  kick(): void {
    this.kicked = true;
    this.poke?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      const free = this.deps.config.concurrency - this.inFlight;
      let full = false;
      try {
        const rows = await claimDeliveries(this.deps.sql, free, this.leaseMs);
        full = rows.length === free;
        for (const row of rows) this.dispatch(row);
      } catch (error) {
        this.deps.log.warn({ err: error }, "claiming webhook deliveries failed");
      }
      if (this.running) await this.nextTurn(full);
    }
  }

  /**
   * Waits until claiming is worth a statement: a quarter of the pool is free and more may be due (the
   * last claim was full, or a kick came), or the poll interval passed and there is any room at all.
   */
  private nextTurn(more: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      let polled = false;
      const timer = setTimeout(() => { polled = true; this.poke?.(); }, this.deps.config.pollMs);
      this.poke = () => {
        const free = this.deps.config.concurrency - this.inFlight;
        if (!this.running || (free >= this.refill && (more || this.kicked)) || (polled && free > 0)) {
          clearTimeout(timer);
          this.poke = null;
          resolve();
        }
      };
      this.poke();
    });
  }

  private dispatch(row: ClaimedDelivery): void {
    this.inFlight++;
    void this.deliver(row)
      .catch((error) => this.deps.log.error({ err: error, deliveryId: row.id }, "webhook delivery failed unexpectedly (the lease brings it back)"))
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const done of this.drained) done();
        // A recorded send may have unblocked the next event of its job for its target (in order per job).
        this.kick();
      });
  }

  private open(sealed: string): string {
    let plain = this.opened.get(sealed);
    if (plain === undefined) {
      if (this.opened.size >= 10_000) this.opened.clear();
      plain = this.deps.box.open(sealed);
      this.opened.set(sealed, plain);
    }
    return plain;
  }

  private async deliver(row: ClaimedDelivery): Promise<void> {
    const { config, policy } = this.deps;
    // The crash test's point: the event is committed and claimed, nothing is sent yet.
    faultPoint("webhook:claimed");
    const sealed = row.endpoint_id ? row.endpoint_secrets ?? [] : row.job_secret ? [row.job_secret] : [];
    if ((row.endpoint_id && row.endpoint_enabled === false) || sealed.length === 0) {
      const error = row.endpoint_id ? "the endpoint is disabled" : "the job has no webhook secret";
      await this.recorder.record({ deliveryId: row.id, succeeded: false, status: null, latencyMs: 0, error, nextAttemptAt: null });
      webhookAttempts.inc({ outcome: "failed" });
      return;
    }
    const data = row.event === TEST_EVENT ? row.payload : await presentJob(row.payload, this.deps.signVideo);
    const body = JSON.stringify({ type: row.event, timestamp: new Date(row.created_at).toISOString(), data });
    const headers = signWebhook(sealed.map((s) => this.open(s)), `msg_${row.id}`, Math.floor(Date.now() / 1000), body);
    const result = await postWebhook(policy, row.url, { ...headers }, body, config.timeoutMs, this.agents);
    let nextAttemptAt: Date | null = null;
    if (!result.ok) {
      const retry = { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs, windowMs: config.retryWindowMs };
      const next = Date.now() + retryDelayMs(retry, row.attempts);
      nextAttemptAt = withinWindow(retry, new Date(row.retry_from), next) ? new Date(next) : null;
    }
    await this.recorder.record({ deliveryId: row.id, succeeded: result.ok, status: result.status, latencyMs: result.latencyMs, error: result.error, nextAttemptAt });
    if (result.ok) {
      webhookAttempts.inc({ outcome: "delivered" });
      webhookLag.observe((Date.now() - new Date(row.created_at).getTime()) / 1000);
    } else {
      webhookAttempts.inc({ outcome: result.error?.startsWith("refused:") ? "refused" : nextAttemptAt ? "retrying" : "failed" });
    }
  }
}
