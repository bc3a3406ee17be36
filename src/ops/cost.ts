// Fleet cost model from first principles. `fleetPlan` is pure (numbers in, numbers out); the only I/O is
// `measuredGpuSecondsPerClip`, which reads what this deployment has actually spent per clip.
//
// GPUs (Little's law). A GPU that is busy W seconds per clip, fed λ clips per second, holds L = λ·W clips
// in flight, i.e. is L GPUs' worth of work. So
//
//   GPU-seconds per clip (effective)  g' = gpuSecondsPerClip / batchingFactor
//   clips per second that need a GPU  λ' = arrivalRatePerSecond · (1 − cacheHitRate)
//   busy GPUs                         L  = λ' · g'
//   GPUs needed                       N  = ceil(L / targetUtilisation)
//
// Example: 20 req/s · 120 GPU-s / 0.6 = 4,000 GPUs (2,400 busy, 1,600 headroom so queues stay short).
//
// Latency batching. Running b requests through one denoising step together (one kernel launch over a
// batch of latents) costs much less than b separate steps while the GPU is not yet compute-bound, so the
// GPU-seconds each clip really consumes fall by about b: that is `batchingFactor` (default 1 = no
// batching), and it divides gpuSecondsPerClip. The price is latency: each clip now waits for a batch to
// form and each batched step is somewhat slower, so a clip's wall time stays roughly gpuSecondsPerClip (or
// grows) even though its share of the GPU shrinks. Measure b on the target hardware; it is not free.
//
// Money. price per GPU-second p = gpuHourlyCost / 3600.
//   hourly burn       = N · gpuHourlyCost            monthly burn = hourly · 730 h
//   cost per clip     = g' · p   (the GPU time one generated clip consumes; 120 GPU-s at $3.50/h = $0.1167)
//   cost per request  = hourly burn / (arrivalRatePerSecond · 3600)   (the whole fleet, idle headroom
//                       included, spread over every request, cache hits included:
//                       $14,000/h / 72,000 req/h = $0.19444)
//   "with overhead"   = raw · (1 + overheadFraction)   (networking, storage, CPUs, staff: 30% → $0.15/clip)
//
// Failure waste. A failure (a GPU or its host going down, an OOM, a NaN that aborts the step loop) kills
// every generation running together on that GPU, `concurrentGenerations` of them, and each loses the work
// done since its last durable point. The model:
//   - failureRate is the probability that a provisioned GPU fails during one clip's worth of its time
//     (gpuSecondsPerClip, not divided by batching: batching shortens no clip's wall time), so
//     failures per hour = failureRate · N · 3600 / gpuSecondsPerClip;
//   - costPerFailure is what one generation's whole clip costs when all of its work is thrown away
//     (default: the raw cost per clip);
//   - a failure strikes at a uniformly random point of the work at risk, so the expected loss is half of
//     it: without checkpoints half the clip (n/2 of n steps); with a checkpoint every k of n steps, half
//     an interval (k/2 steps), i.e. k/n of the no-checkpoint loss. (When k does not divide n the last
//     interval is shorter; k/n is then a slight over-estimate, which is the safe side for planning.)
//   waste/h without checkpoints = failures/h · concurrentGenerations · costPerFailure · 1/2
//   waste/h with checkpoints    = waste/h without checkpoints · k / n
// Design figures: 0.5% over 20 concurrent generations at $0.11 on the 4,000-GPU fleet above:
//   failures/h = 0.005 · 4,000 · 3600/120 = 600; 600 · 20 · $0.11 / 2 = $660/h; · 10/50 = $132/h.
import type { Sql } from "../db/pool.js";

export const HOURS_PER_MONTH = 730;

export interface FleetPlanInput {
  /** Requests arriving per second (all of them, cache hits included). */
  arrivalRatePerSecond: number;
  /** GPU-seconds one clip consumes without batching. */
  gpuSecondsPerClip: number;
  /** Dollars per GPU-hour. */
  gpuHourlyCost: number;
  /** Fraction of provisioned GPU time meant to be busy, in (0, 1]. Default 0.6. */
  targetUtilisation?: number;
  /** Fraction of requests answered from the cache without GPU work, in [0, 1]. Default 0. */
  cacheHitRate?: number;
  /** Non-GPU cost as a fraction of GPU cost (0.3 = 30%). Default 0. */
  overheadFraction?: number;
  /** Requests per GPU step when batching (≥ 1); divides gpuSecondsPerClip. Default 1. */
  batchingFactor?: number;
  /** Probability a GPU fails during one clip's worth of its time, in [0, 1]. Default 0. */
  failureRate?: number;
  /** Generations running together on one GPU, all lost when it fails. Default 1. */
  concurrentGenerations?: number;
  /** Dollars one generation costs when all its work is lost. Default: the raw cost per clip. */
  costPerFailure?: number;
  /** Denoising steps per clip. Default 50. */
  stepsPerClip?: number;
  /** Checkpoint interval in steps (1..stepsPerClip). Default: no checkpoints. */
  checkpointEverySteps?: number | null;
}

export interface FleetPlan {
  gpusNeeded: number;
  busyGpus: number;
  effectiveArrivalRatePerSecond: number;
  effectiveGpuSecondsPerClip: number;
  hourlyBurn: number;
  monthlyBurn: number;
  hourlyBurnWithOverhead: number;
  monthlyBurnWithOverhead: number;
  costPerClip: number;
  costPerClipWithOverhead: number;
  costPerRequest: number;
  costPerRequestWithOverhead: number;
  failuresPerHour: number;
  failureWastePerHourWithoutCheckpoints: number;
  failureWastePerHourWithCheckpoints: number;
  bottleneck: string;
}

/** A bad input: `field` names it (as in FleetPlanInput). */
export class CostInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = "CostInputError";
  }
}

function check(field: string, value: number, ok: (v: number) => boolean, rule: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) {
    throw new CostInputError(field, `${field} must be ${rule} (got ${String(value)})`);
  }
}

const money = (v: number) => `$${v.toLocaleString("en-US", { maximumFractionDigits: 2 })}`;

export function fleetPlan(input: FleetPlanInput): FleetPlan {
  const rate = input.arrivalRatePerSecond;
  const gpuSeconds = input.gpuSecondsPerClip;
  const price = input.gpuHourlyCost;
  const utilisation = input.targetUtilisation ?? 0.6;
  const hitRate = input.cacheHitRate ?? 0;
  const overhead = input.overheadFraction ?? 0;
  const batching = input.batchingFactor ?? 1;
  const failureRate = input.failureRate ?? 0;
  const concurrent = input.concurrentGenerations ?? 1;
  const steps = input.stepsPerClip ?? 50;
  const every = input.checkpointEverySteps ?? null;

  check("arrivalRatePerSecond", rate, (v) => v >= 0, "a number ≥ 0");
  check("gpuSecondsPerClip", gpuSeconds, (v) => v > 0, "a number > 0");
  check("gpuHourlyCost", price, (v) => v >= 0, "a number ≥ 0");
  check("targetUtilisation", utilisation, (v) => v > 0 && v <= 1, "in (0, 1]");
  check("cacheHitRate", hitRate, (v) => v >= 0 && v <= 1, "in [0, 1]");
  check("overheadFraction", overhead, (v) => v >= 0, "a number ≥ 0");
  check("batchingFactor", batching, (v) => v >= 1, "a number ≥ 1");
  check("failureRate", failureRate, (v) => v >= 0 && v <= 1, "in [0, 1]");
  check("concurrentGenerations", concurrent, (v) => Number.isInteger(v) && v >= 1, "a whole number ≥ 1");
  check("stepsPerClip", steps, (v) => Number.isInteger(v) && v >= 1, "a whole number ≥ 1");
  if (every !== null) check("checkpointEverySteps", every, (v) => Number.isInteger(v) && v >= 1 && v <= steps, `a whole number in [1, stepsPerClip = ${steps}]`);

  const effectiveGpuSeconds = gpuSeconds / batching;
  const effectiveRate = rate * (1 - hitRate);
  const busyGpus = effectiveRate * effectiveGpuSeconds;
  // Round away float noise (20·120/0.6 = 4000.0000000000005) before the ceiling.
  const gpusNeeded = Math.ceil(Number((busyGpus / utilisation).toPrecision(12)));

  const hourlyBurn = gpusNeeded * price;
  const monthlyBurn = hourlyBurn * HOURS_PER_MONTH;
  const costPerClip = (effectiveGpuSeconds * price) / 3600;
  const costPerRequest = rate > 0 ? hourlyBurn / (rate * 3600) : 0;

  const costPerFailure = input.costPerFailure ?? costPerClip;
  check("costPerFailure", costPerFailure, (v) => v >= 0, "a number ≥ 0");
  const failuresPerHour = (failureRate * gpusNeeded * 3600) / gpuSeconds;
  const wasteWithout = (failuresPerHour * concurrent * costPerFailure) / 2;
  const wasteWith = every === null ? wasteWithout : (wasteWithout * every) / steps;

  return {
    gpusNeeded,
    busyGpus,
    effectiveArrivalRatePerSecond: effectiveRate,
    effectiveGpuSecondsPerClip: effectiveGpuSeconds,
    hourlyBurn,
    monthlyBurn,
    hourlyBurnWithOverhead: hourlyBurn * (1 + overhead),
    monthlyBurnWithOverhead: monthlyBurn * (1 + overhead),
    costPerClip,
    costPerClipWithOverhead: costPerClip * (1 + overhead),
    costPerRequest,
    costPerRequestWithOverhead: costPerRequest * (1 + overhead),
    failuresPerHour,
    failureWastePerHourWithoutCheckpoints: wasteWithout,
    failureWastePerHourWithCheckpoints: wasteWith,
    bottleneck: bottleneck({ effectiveRate, effectiveGpuSeconds, busyGpus, gpusNeeded, utilisation, hourlyBurn, overhead, wasteWith, price }),
  };
}

/**
 * What the bill is mostly made of, as one short sentence: the largest of busy GPU time (set by GPU-seconds
 * per clip x traffic), idle headroom (set by the target utilisation), overhead, and failure waste.
 */
function bottleneck(p: {
  effectiveRate: number; effectiveGpuSeconds: number; busyGpus: number; gpusNeeded: number; utilisation: number;
  hourlyBurn: number; overhead: number; wasteWith: number; price: number;
}): string {
  if (p.gpusNeeded === 0) return "no traffic: no GPUs needed";
  if (p.price === 0) return "GPUs are free at this price: only capacity limits";
  const busy = p.busyGpus * p.price;
  const idle = p.hourlyBurn - busy;
  const parts: [string, number][] = [
    [`GPU time per clip: ${round(p.effectiveGpuSeconds)} GPU-s x ${round(p.effectiveRate)} clips/s keeps ${round(p.busyGpus)} GPUs busy (${money(busy)}/h); fewer GPU-seconds per clip (fewer steps, distillation, batching) or more cache hits shrink the fleet`, busy],
    [`headroom: target utilisation ${p.utilisation} leaves ${round(p.gpusNeeded - p.busyGpus)} of ${p.gpusNeeded} GPUs idle (${money(idle)}/h)`, idle],
    [`overhead: ${Math.round(p.overhead * 100)}% on top of GPU cost (${money(p.hourlyBurn * p.overhead)}/h)`, p.hourlyBurn * p.overhead],
    [`failures: ${money(p.wasteWith)}/h of work lost to failures; checkpoint more often or fix the failure rate`, p.wasteWith],
  ];
  return parts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

const round = (v: number) => Number(v.toPrecision(4)).toLocaleString("en-US");

export interface MeasuredGpuSeconds {
  /** Mean GPU-seconds per clip over the sampled jobs. */
  seconds: number;
  /** How many jobs it averages. */
  samples: number;
}

/**
 * GPU-seconds per clip as this deployment has measured it: the mean over the last `limit` SUCCEEDED jobs of
 * the sum of their stage times (metadata.stageMs, written by the runner when a job completes), or, for a
 * job without it, the sum of its denoising step times (metadata.denoise.stepMs). Cache hits
 * (metadata.cache.hit, which carry a copy of their source job's timings but did no GPU work) and jobs with
 * neither figure are skipped. Null when no job has either.
 */
export async function measuredGpuSecondsPerClip(sql: Sql, limit = 50): Promise<MeasuredGpuSeconds | null> {
  const { rows } = await sql.query<{ metadata: Record<string, unknown> }>(
    `SELECT metadata FROM jobs
     WHERE status = 'SUCCEEDED' AND (metadata ? 'stageMs' OR metadata->'denoise' ? 'stepMs')
       AND (metadata->'cache'->>'hit') IS DISTINCT FROM 'true'
     ORDER BY finished_at DESC NULLS LAST LIMIT $1`,
    [limit],
  );
  const seconds: number[] = [];
  for (const { metadata } of rows) {
    const ms = sumMs(metadata.stageMs) || sumMs((metadata.denoise as Record<string, unknown> | undefined)?.stepMs);
    if (ms > 0) seconds.push(ms / 1000);
  }
  if (seconds.length === 0) return null;
  return { seconds: seconds.reduce((a, b) => a + b, 0) / seconds.length, samples: seconds.length };
}

/** The sum of the finite numbers in an object's values or an array; 0 for anything else. */
function sumMs(value: unknown): number {
  if (!value || typeof value !== "object") return 0;
  const values = Array.isArray(value) ? value : Object.values(value);
  return values.reduce<number>((sum, v) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? sum + v : sum), 0);
}
