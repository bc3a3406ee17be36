// Webhook metrics on the process registry (src/ops/metrics.ts): attempts by outcome, and the lag from the
// event's commit (the outbox row's insertion) to the receiver's 2xx.
import { Counter, Histogram } from "prom-client";
import { registry } from "../ops/metrics.js";

export const OUTCOMES = ["delivered", "retrying", "failed", "refused"] as const;
export type DeliveryOutcome = (typeof OUTCOMES)[number];

export const webhookAttempts = new Counter({
  name: "kinema_webhook_attempts_total",
  help: "Webhook delivery attempts by outcome: delivered (2xx), retrying (failed, tried again later), failed (given up after the retry window or endpoint disabled), refused (address policy).",
  labelNames: ["outcome"], registers: [registry],
});

export const webhookLag = new Histogram({
  name: "kinema_webhook_delivery_lag_seconds",
  help: "Time from a webhook event's commit to its successful delivery (retries included).",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400], registers: [registry],
});

for (const outcome of OUTCOMES) webhookAttempts.inc({ outcome }, 0);
