// The events an endpoint may subscribe to. Which status change is which event lives in one table,
// webhook_status_events (prisma/migrations/0010_webhooks; EXPIRED and TAKEN_DOWN added by 0016): a new
// status adds one row there and its name here. job.progress is not a status: the outbox trigger writes it for a change of
// steps_completed while RUNNING, throttled per target.
export const WEBHOOK_EVENTS = ["job.started", "job.progress", "job.succeeded", "job.failed", "job.blocked", "job.cancelled", "job.expired", "job.taken_down"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The event of `sendTestWebhook`: not subscribable, sent to the one endpoint asked for. */
export const TEST_EVENT = "webhook.test";

export function isWebhookEvent(name: string): name is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(name);
}
