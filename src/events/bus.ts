// The EventBus port. Events are hints that a job row changed; the row stays the truth, and a listener
// that must be exact re-reads it. Adapters: pg.ts (LISTEN/NOTIFY, server mode), memory.ts (embedded).
import type { JobStage, JobStatus } from "../jobs/states.js";

export interface JobEvent {
  kind: "job";
  jobId: string;
  status: JobStatus;
  stage: JobStage;
  /** denoising steps done and planned, when the event is a step */
  stepsCompleted?: number;
  totalSteps?: number;
  etaSeconds?: number | null;
  /** the stored preview image (an object key; the API signs a URL for it) */
  previewKey?: string | null;
  /** the lease that wrote a progress event: listeners drop events of older leases */
  fencingToken?: number;
  /** true when only progress within a stage changed: listeners may apply it without re-reading */
  progressOnly?: boolean;
  /** the queue's membership or order changed (enqueue, claim, cancel, requeue): positions may have moved */
  queueChanged?: boolean;
}

/** Sent to listeners after a gap in delivery (a reconnect): anything may have changed, re-read. */
export interface ResyncEvent { kind: "resync" }

/**
 * New webhook outbox rows were committed (NOTIFY by the outbox trigger, migration 0017, once per
 * transaction): wakes the webhook senders. Only the PostgreSQL bus carries it.
 */
export interface WebhooksEvent { kind: "webhooks" }

export type BusEvent = JobEvent | ResyncEvent | WebhooksEvent;
export type Listener = (event: BusEvent) => void;

export interface EventBus {
  /**
   * A PostgreSQL NOTIFY channel that carries this bus's events, when it has one: a writer may then
   * announce its write with `pg_notify` in the write's own statement instead of calling publish().
   */
  readonly sqlChannel?: string;
  /**
   * The channel of step events (progressOnly), when the bus keeps them apart: only processes that serve
   * subscribers listen to it (PgEventBus's `steps` option), so a worker process is not sent the whole
   * fleet's steps. A writer announcing a step in its statement uses it; publish() picks it itself.
   */
  readonly stepChannel?: string;
  publish(event: JobEvent): Promise<void>;
  /** Returns the unsubscribe function. Listeners run synchronously and must not throw. */
  subscribe(listener: Listener): () => void;
  close(): Promise<void>;
}
