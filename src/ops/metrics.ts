// Prometheus metrics: one registry per process, served at /metrics by a small server of its own on every
// API and worker process (src/ops/metrics-server.ts; never on the public API port). Counters and histograms count what this process did;
// Prometheus sums them over the fleet. Names and labels are what ops/prometheus/alerts.yml uses.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Tier } from "../config/config.js";
import type { ClaimedJob } from "../queue/types.js";

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "kinema_" });

/** Seconds, from instant claims to the FREE tier's 300 s objective and a bit beyond. */
const LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600];

export const queueWait = new Histogram({
  name: "kinema_queue_wait_seconds",
  help: "Time from submission to a job's first claim, by tier.",
  labelNames: ["tier"], buckets: LATENCY_BUCKETS, registers: [registry],
});

export const endToEnd = new Histogram({
  name: "kinema_job_end_to_end_seconds",
  help: "Time from submission to delivery of jobs that succeeded, by tier.",
  labelNames: ["tier"], buckets: LATENCY_BUCKETS, registers: [registry],
});

export const stepDuration = new Histogram({
  name: "kinema_denoise_step_seconds",
  help: "Duration of one denoising step, by model and latent shape (C x t x h x w).",
  labelNames: ["model", "latent"],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const jobsFinished = new Counter({
  name: "kinema_jobs_total",
  help: "Jobs that reached a terminal status in a worker, by status and error code (none for SUCCEEDED and CANCELLED).",
  labelNames: ["status", "code"], registers: [registry],
});

export const nanEvents = new Counter({
  name: "kinema_nan_events_total",
  help: "Denoising runs stopped by non-finite values (NAN_DETECTED), retried or not.",
  registers: [registry],
});

export const postfilterBlocks = new Counter({
  name: "kinema_postfilter_blocks_total",
  help: "Jobs blocked by the safety post-filter, by category.",
  labelNames: ["category"], registers: [registry],
});

export const provenanceFailures = new Counter({
  name: "kinema_provenance_failures_total",
  help: "Signed clips that failed verification (PROVENANCE_INVALID).",
  registers: [registry],
});

export const claims = new Counter({
  name: "kinema_claims_total",
  help: "Jobs claimed by this process's workers, by tier (a retry is a new claim).",
  labelNames: ["tier"], registers: [registry],
});

export const leaseLosses = new Counter({
  name: "kinema_lease_losses_total",
  help: "Runs that stopped because their lease had passed to another worker.",
  registers: [registry],
});

export const activeWorkers = new Gauge({
  name: "kinema_active_workers",
  help: "Worker loops running in this process.",
  registers: [registry],
});

export const stageDuration = new Histogram({
  name: "kinema_stage_seconds",
  help: "Time a delivered job spent in each pipeline stage (its last attempt), by stage.",
  labelNames: ["stage"], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600], registers: [registry],
});

export const runningJobs = new Gauge({
  name: "kinema_jobs_running",
  help: "Jobs this process's workers are running now.",
  registers: [registry],
});

/** The label values known in advance: every tier, every pipeline stage, the terminal statuses without a code. */
export const KNOWN_TIERS: readonly Tier[] = ["FREE", "PLUS"];
export const KNOWN_STAGES = ["DENOISING", "DECODING", "POSTFILTER", "SIGNING", "UPLOADING"] as const;

/**
 * Creates every labelled series whose label values are known in advance, at zero, so dashboards and
 * alerts (a rate over a series that does not exist yet is no data, not 0) see them before the first
 * job. Runs once, at load, before anything can be observed (zero() would reset an observed histogram).
 */
let zeroed = false;
export function zeroKnownSeries(): void {
  if (zeroed) return;
  zeroed = true;
  for (const tier of KNOWN_TIERS) {
    queueWait.zero({ tier });
    endToEnd.zero({ tier });
    claims.inc({ tier }, 0);
  }
  for (const stage of KNOWN_STAGES) stageDuration.zero({ stage });
  for (const status of ["SUCCEEDED", "CANCELLED"]) jobsFinished.inc({ status, code: "none" }, 0);
}
zeroKnownSeries();

/** A delivered job's stage times (milliseconds by stage, as the runner records them in metadata.stageMs). */
export function observeStages(stageMs: Readonly<Record<string, number>>): void {
  for (const [stage, ms] of Object.entries(stageMs)) if (Number.isFinite(ms)) stageDuration.observe({ stage }, ms / 1000);
}

/** The Prometheus text exposition of this process's registry. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** What the worker keeps from a claim to measure the job's end-to-end time on success. */
export interface ClaimTiming { tier: Tier; ageAtClaimSeconds: number; claimedAt: number }

/**
 * After a claim: counts it and, for a job's first claim, observes its queue wait. The times come from the
 * claim statement (the database's clock), so worker clocks do not skew them and no query is added.
 */
export function observeClaim(job: ClaimedJob): ClaimTiming {
  claims.inc({ tier: job.tier });
  if (job.timing.firstClaim) queueWait.observe({ tier: job.tier }, job.timing.queueWaitSeconds);
  return { tier: job.tier, ageAtClaimSeconds: job.timing.ageSeconds, claimedAt: performance.now() };
}

/** After a job succeeded: its end-to-end time, from submission to now. */
export function observeSucceeded(timing: ClaimTiming): void {
  endToEnd.observe({ tier: timing.tier }, timing.ageAtClaimSeconds + (performance.now() - timing.claimedAt) / 1000);
}

/** A failed attempt (retried or not): the failure codes that have their own counters. */
export function observeFailure(code: string): void {
  if (code === "NAN_DETECTED") nanEvents.inc();
  if (code === "PROVENANCE_INVALID") provenanceFailures.inc();
}

export function observeTerminal(status: "SUCCEEDED" | "FAILED" | "BLOCKED" | "CANCELLED", code?: string | null): void {
  jobsFinished.inc({ status, code: code ?? "none" });
}

/** One denoising step of `ms` milliseconds. */
export function observeStep(model: string, latent: readonly number[], ms: number): void {
  stepObserver(model, latent)(ms);
}

/** The steps of one job: its labels built once (prom-client still hashes them at each observe). */
export function stepObserver(model: string, latent: readonly number[]): (ms: number) => void {
  const series = stepDuration.labels({ model, latent: latent.join("x") });
  return (ms) => series.observe(ms / 1000);
}
