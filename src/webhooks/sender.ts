// The webhook sender: every API process runs one (no election). It claims due outbox rows with FOR UPDATE
// SKIP LOCKED (sql/claimDeliveries.ts), so replicas share the work and add throughput, and a replica that
// dies leaves leased rows that come due again after the lease; an elected single sender would cap the
// fleet's delivery rate at one process's pool and add a failover gap. At most `concurrency` requests are
// in flight per process, each bounded by the timeout. Polling the outbox is the truth; job events on the
// bus only wake the loop sooner (a delivery is usually sent within a few ms of its commit).
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../log.js";
import { faultPoint } from "../testing/faults.js";
import type { AddressPolicy } from "./address-policy.js";
import { TEST_EVENT } from "./events.js";
import { postWebhook } from "./http.js";
import { webhookAttempts, webhookLag } from "./metrics.js";
import { presentJob, type SignVideo } from "./payload.js";
import { retryDelayMs, withinWindow } from "./retry.js";
import type { SecretBox } from "./secrets.js";
import { signWebhook } from "./signature.js";
import { claimDeliveries, type ClaimedDelivery } from "./sql/claimDeliveries.js";
import { recordAttempt } from "./sql/recordAttempt.js";

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
  private wake: (() => void) | null = null;
  private kicked = false;
  private unsubscribe: (() => void) | null = null;
  private readonly drained = new Set<() => void>();

  constructor(private readonly deps: SenderDeps) {}

  /** A claim's lease: a request's timeout twice over plus 5 s of margin for the claim and the record. */
  get leaseMs(): number { return this.deps.config.timeoutMs * 2 + 5_000; }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.bus?.subscribe((event) => { if (event.kind === "job") this.kick(); }) ?? null;
    this.loop = this.run();
  }

  /** Stops claiming and waits (at most one timeout) for the requests in flight. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.kick();
    await this.loop;
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.deps.config.timeoutMs + 1_000);
        this.drained.add(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** Claim now instead of at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const { concurrency, pollMs } = this.deps.config;
    while (this.running) {
      this.kicked = false;
      const free = concurrency - this.inFlight;
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await claimDeliveries(this.deps.sql, free, this.leaseMs);
          claimed = rows.length;
          for (const row of rows) this.dispatch(row);
        } catch (error) {
          this.deps.log.warn({ err: error }, "claiming webhook deliveries failed");
        }
      }
      // A full batch: there may be more due now (the pool has room again when a send ends and kicks).
      if (claimed > 0 && claimed === free && this.inFlight < concurrency) continue;
      if (this.kicked || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
      this.wake = null;
    }
  }

  private dispatch(row: ClaimedDelivery): void {
    this.inFlight++;
    void this.deliver(row)
      .catch((error) => this.deps.log.error({ err: error, deliveryId: row.id }, "webhook delivery failed unexpectedly (the lease brings it back)"))
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const done of this.drained) done();
        // Claim again once half the pool is free, not after every send: one claim statement per
        // concurrency/2 deliveries instead of one per delivery (on a loaded 2-core machine each statement
        // costs ~1 ms of CPU, which halves the per-process throughput when spent per delivery).
        if (this.inFlight <= this.deps.config.concurrency / 2) this.kick();
      });
  }

  private async deliver(row: ClaimedDelivery): Promise<void> {
    const { config, sql, box, policy } = this.deps;
    // The crash test's point: the event is committed and claimed, nothing is sent yet.
    faultPoint("webhook:claimed");
    const sealed = row.endpoint_id ? row.endpoint_secrets ?? [] : row.job_secret ? [row.job_secret] : [];
    if ((row.endpoint_id && row.endpoint_enabled === false) || sealed.length === 0) {
      const error = row.endpoint_id ? "the endpoint is disabled" : "the job has no webhook secret";
      await recordAttempt(sql, { deliveryId: row.id, succeeded: false, status: null, latencyMs: 0, error, nextAttemptAt: null }, config.retryWindowMs);
      webhookAttempts.inc({ outcome: "failed" });
      return;
    }
    const data = row.event === TEST_EVENT ? row.payload : await presentJob(row.payload, this.deps.signVideo);
    const body = JSON.stringify({ type: row.event, timestamp: new Date(row.created_at).toISOString(), data });
    const headers = signWebhook(sealed.map((s) => box.open(s)), `msg_${row.id}`, Math.floor(Date.now() / 1000), body);
    const result = await postWebhook(policy, row.url, { ...headers }, body, config.timeoutMs);
    let nextAttemptAt: Date | null = null;
    if (!result.ok) {
      const retry = { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs, windowMs: config.retryWindowMs };
      const next = Date.now() + retryDelayMs(retry, row.attempts);
      nextAttemptAt = withinWindow(retry, new Date(row.retry_from), next) ? new Date(next) : null;
    }
    await recordAttempt(sql, { deliveryId: row.id, succeeded: result.ok, status: result.status, latencyMs: result.latencyMs, error: result.error, nextAttemptAt }, config.retryWindowMs);
    if (result.ok) {
      webhookAttempts.inc({ outcome: "delivered" });
      webhookLag.observe((Date.now() - new Date(row.created_at).getTime()) / 1000);
    } else {
      webhookAttempts.inc({ outcome: result.error?.startsWith("refused:") ? "refused" : nextAttemptAt ? "retrying" : "failed" });
    }
  }
}
