// Prometheus metrics: one registry per process, served at /metrics by the API (src/api/static.ts) and by
// each worker process (src/ops/metrics-server.ts). Counters and histograms count what this process did;
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

export const runningJobs = new Gauge({
  name: "kinema_jobs_running",
  help: "Jobs this process's workers are running now.",
  registers: [registry],
});

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
  stepDuration.observe({ model, latent: latent.join("x") }, ms / 1000);
}
