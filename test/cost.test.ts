// The cost model: the design figures from first principles (Little's law, burn, per-clip and per-request
// cost, failure waste with and without checkpoints), input validation, the measured GPU-seconds per clip,
// and Query.fleetPlan through the API against real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CostInputError, fleetPlan, HOURS_PER_MONTH, measuredGpuSecondsPerClip, type FleetPlanInput } from "../src/ops/cost.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";

const design: FleetPlanInput = { arrivalRatePerSecond: 20, gpuSecondsPerClip: 120, gpuHourlyCost: 3.5, targetUtilisation: 0.6 };

describe("fleetPlan: the design figures", () => {
  it("120 GPU-s at $3.50/h is $0.117 raw per clip and about $0.15 with 30% overhead", () => {
    const plan = fleetPlan({ ...design, overheadFraction: 0.3 });
    expect(plan.costPerClip).toBeCloseTo(0.11667, 5);
    expect(Number(plan.costPerClip.toFixed(3))).toBe(0.117);
    expect(plan.costPerClipWithOverhead).toBeCloseTo(0.15167, 5);
    expect(Number(plan.costPerClipWithOverhead.toFixed(2))).toBe(0.15);
  });

  it("Little's law: 20 req/s x 120 GPU-s / 0.6 utilisation = 4,000 GPUs (2,400 busy)", () => {
    const plan = fleetPlan(design);
    expect(plan.gpusNeeded).toBe(4000);
    expect(plan.busyGpus).toBeCloseTo(2400, 9);
  });

  it("4,000 GPUs at $3.50/h burn $14,000 an hour and $10,220,000 a month: $0.19444 per request at 20 req/s", () => {
    const plan = fleetPlan(design);
    expect(HOURS_PER_MONTH).toBe(730);
    expect(plan.hourlyBurn).toBe(14_000);
    expect(plan.monthlyBurn).toBe(10_220_000);
    expect(plan.costPerRequest).toBeCloseTo(0.19444, 5);
    // Per request is per clip divided by the utilisation: the idle headroom is paid for too.
    expect(plan.costPerRequest).toBeCloseTo(plan.costPerClip / 0.6, 9);
  });

  it("0.5% failures over 20 concurrent generations at $0.11: $660/h without checkpoints, $132/h every 10 of 50 steps", () => {
    const plan = fleetPlan({ ...design, failureRate: 0.005, concurrentGenerations: 20, costPerFailure: 0.11, stepsPerClip: 50, checkpointEverySteps: 10 });
    // 0.005 x 4,000 GPUs x 3600/120 clip-times per hour = 600 failures/h; each loses half of 20 clips' work.
    expect(plan.failuresPerHour).toBeCloseTo(600, 9);
    expect(plan.failureWastePerHourWithoutCheckpoints).toBeCloseTo(660, 9);
    expect(plan.failureWastePerHourWithCheckpoints).toBeCloseTo(132, 9);
    const none = fleetPlan({ ...design, failureRate: 0.005, concurrentGenerations: 20, costPerFailure: 0.11 });
    expect(none.failureWastePerHourWithCheckpoints).toBeCloseTo(660, 9);
  });

  it("names GPU time per clip as what dominates the design fleet's bill", () => {
    expect(fleetPlan({ ...design, overheadFraction: 0.3 }).bottleneck).toMatch(/^GPU time per clip: 120 GPU-s x 20 clips\/s keeps 2,400 GPUs busy/);
    expect(fleetPlan({ ...design, targetUtilisation: 0.2 }).bottleneck).toMatch(/^headroom: target utilisation 0.2/);
    expect(fleetPlan({ ...design, overheadFraction: 3 }).bottleneck).toMatch(/^overhead: 300%/);
    expect(fleetPlan({ ...design, failureRate: 1, concurrentGenerations: 20 }).bottleneck).toMatch(/^failures:/);
    expect(fleetPlan({ ...design, arrivalRatePerSecond: 0 }).bottleneck).toBe("no traffic: no GPUs needed");
  });
});

describe("fleetPlan: Little's law", () => {
  it("scales linearly with traffic and GPU-seconds, inversely with utilisation, and rounds GPUs up", () => {
    expect(fleetPlan({ ...design, arrivalRatePerSecond: 40 }).gpusNeeded).toBe(8000);
    expect(fleetPlan({ ...design, gpuSecondsPerClip: 60 }).gpusNeeded).toBe(2000);
    expect(fleetPlan({ ...design, targetUtilisation: 0.8 }).gpusNeeded).toBe(3000);
    expect(fleetPlan({ ...design, targetUtilisation: 1 }).gpusNeeded).toBe(2400);
    expect(fleetPlan({ arrivalRatePerSecond: 1, gpuSecondsPerClip: 10, gpuHourlyCost: 2, targetUtilisation: 0.7 }).gpusNeeded).toBe(15); // 14.29 -> 15
  });

  it("cache hits take their share of the traffic off the GPUs", () => {
    const plan = fleetPlan({ ...design, cacheHitRate: 0.25 });
    expect(plan.effectiveArrivalRatePerSecond).toBe(15);
    expect(plan.gpusNeeded).toBe(3000);
    expect(plan.costPerRequest).toBeCloseTo(10_500 / 72_000, 9); // spread over every request, hits included
    expect(plan.costPerClip).toBeCloseTo(0.11667, 5); // a generated clip costs the same
    expect(fleetPlan({ ...design, cacheHitRate: 1 }).gpusNeeded).toBe(0);
  });

  it("a batching factor b divides GPU-seconds per clip: b x the throughput per GPU", () => {
    const plan = fleetPlan({ ...design, batchingFactor: 4 });
    expect(plan.effectiveGpuSecondsPerClip).toBe(30);
    expect(plan.gpusNeeded).toBe(1000);
    expect(plan.costPerClip).toBeCloseTo(0.11667 / 4, 5);
    expect(plan.failuresPerHour).toBeCloseTo(0, 9);
  });
});

describe("fleetPlan: input validation", () => {
  const bad: [Partial<FleetPlanInput>, string][] = [
    [{ arrivalRatePerSecond: -1 }, "arrivalRatePerSecond"],
    [{ arrivalRatePerSecond: Number.NaN }, "arrivalRatePerSecond"],
    [{ gpuSecondsPerClip: 0 }, "gpuSecondsPerClip"],
    [{ gpuSecondsPerClip: Number.POSITIVE_INFINITY }, "gpuSecondsPerClip"],
    [{ gpuHourlyCost: -3.5 }, "gpuHourlyCost"],
    [{ targetUtilisation: 0 }, "targetUtilisation"],
    [{ targetUtilisation: 1.2 }, "targetUtilisation"],
    [{ cacheHitRate: -0.1 }, "cacheHitRate"],
    [{ cacheHitRate: 1.5 }, "cacheHitRate"],
    [{ overheadFraction: -0.3 }, "overheadFraction"],
    [{ batchingFactor: 0.5 }, "batchingFactor"],
    [{ failureRate: 2 }, "failureRate"],
    [{ concurrentGenerations: 0 }, "concurrentGenerations"],
    [{ concurrentGenerations: 2.5 }, "concurrentGenerations"],
    [{ costPerFailure: -1 }, "costPerFailure"],
    [{ stepsPerClip: 0 }, "stepsPerClip"],
    [{ checkpointEverySteps: 0 }, "checkpointEverySteps"],
    [{ stepsPerClip: 50, checkpointEverySteps: 60 }, "checkpointEverySteps"],
  ];
  it.each(bad)("rejects %o naming %s", (over, field) => {
    let caught: unknown;
    try { fleetPlan({ ...design, ...over }); } catch (error) { caught = error; }
    expect(caught).toBeInstanceOf(CostInputError);
    expect((caught as CostInputError).field).toBe(field);
    expect((caught as CostInputError).message).toContain(field);
  });
});

describe("Query.fleetPlan", () => {
  let db: TestDatabase;
  let app: TestKinema;
  const QUERY = `query($input: FleetPlanInput!) { fleetPlan(input: $input) {
    gpusNeeded busyGpus gpuSecondsPerClip gpuSecondsPerClipSource measuredSamples hourlyBurnDollars monthlyBurnDollars
    costPerClipDollars costPerClipWithOverheadDollars costPerRequestDollars failuresPerHour
    failureWastePerHourWithoutCheckpointsDollars failureWastePerHourWithCheckpointsDollars bottleneck } }`;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestKinema({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  async function succeededJob(accountId: string, metadata: unknown, finishedSecondsAgo: number) {
    await app.kinema.pool.query(
      `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget,
         max_attempts, metadata, started_at, finished_at)
       VALUES ($1, 'FREE', 'SUCCEEDED', 'DONE', 'a cat', 'R480P', 854, 480, 1, 8, 1, 50, 3, $2::jsonb,
         now() - make_interval(secs => $3 + 200), now() - make_interval(secs => $3))`,
      [accountId, JSON.stringify(metadata), finishedSecondsAgo],
    );
  }

  it("returns the design plan for a signed-in user", async () => {
    const user = await app.account("FREE", "SUPPORT");
    const { fleetPlan: plan } = await user.client.data(QUERY, { input: {
      arrivalRatePerSecond: 20, gpuSecondsPerClip: 120, gpuHourlyCost: 3.5, overheadFraction: 0.3,
      failureRate: 0.005, concurrentGenerations: 20, costPerFailure: 0.11, stepsPerClip: 50, checkpointEverySteps: 10,
    } });
    expect(plan).toMatchObject({ gpusNeeded: 4000, gpuSecondsPerClip: 120, gpuSecondsPerClipSource: "INPUT", measuredSamples: 0,
      hourlyBurnDollars: 14_000, monthlyBurnDollars: 10_220_000 });
    expect(plan.costPerClipDollars).toBeCloseTo(0.11667, 5);
    expect(plan.costPerClipWithOverheadDollars).toBeCloseTo(0.15167, 5);
    expect(plan.costPerRequestDollars).toBeCloseTo(0.19444, 5);
    expect(plan.failureWastePerHourWithoutCheckpointsDollars).toBeCloseTo(660, 6);
    expect(plan.failureWastePerHourWithCheckpointsDollars).toBeCloseTo(132, 6);
    expect(plan.bottleneck).toMatch(/^GPU time per clip/);
  });

  it("refuses anonymous callers, and bad input is BAD_USER_INPUT naming the field", async () => {
    const anonymous = await app.client("").request(QUERY, { input: { arrivalRatePerSecond: 20, gpuSecondsPerClip: 120, gpuHourlyCost: 3.5 } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const user = await app.account("FREE", "SUPPORT");
    const res = await user.client.request(QUERY, { input: { arrivalRatePerSecond: 20, gpuSecondsPerClip: 120, gpuHourlyCost: 3.5, targetUtilisation: 1.5 } });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: ["input", "targetUtilisation"] });
    expect(res.errors?.[0]?.message).toMatch(/targetUtilisation must be in \(0, 1\]/);
  });

  it("without gpuSecondsPerClip and nothing measured yet, BAD_USER_INPUT on gpuSecondsPerClip", async () => {
    const user = await app.account("FREE", "SUPPORT");
    const res = await user.client.request(QUERY, { input: { arrivalRatePerSecond: 20, gpuHourlyCost: 3.5 } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: ["input", "gpuSecondsPerClip"] });
  });

  it("without gpuSecondsPerClip, uses the mean this deployment has measured over recent SUCCEEDED jobs", async () => {
    const user = await app.account("FREE", "SUPPORT");
    // Stage times summing to 120 s and 60 s, and one older job with only denoise step times (50 x 1.8 s = 90 s).
    await succeededJob(user.id, { stageMs: { DENOISING: 110_000, DECODING: 6_000, POSTFILTER: 1_500, SIGNING: 500, UPLOADING: 2_000 } }, 10);
    await succeededJob(user.id, { stageMs: { DENOISING: 55_000, DECODING: 5_000 } }, 20);
    await succeededJob(user.id, { denoise: { stepMs: Array.from({ length: 50 }, () => 1800) } }, 30);
    // A cache hit carries its source's timings but did no GPU work: not a sample.
    await succeededJob(user.id, { stageMs: { DENOISING: 1_000 }, cache: { hit: true, sourceJobId: user.id } }, 5);
    await succeededJob(user.id, { prefilter: { verdict: "allowed" } }, 6); // nothing recorded: not a sample

    expect(await measuredGpuSecondsPerClip(app.kinema.pool, 2)).toEqual({ seconds: 90, samples: 2 });
    expect(await measuredGpuSecondsPerClip(app.kinema.pool)).toEqual({ seconds: 90, samples: 3 });

    const { fleetPlan: plan } = await user.client.data(QUERY, { input: { arrivalRatePerSecond: 20, gpuHourlyCost: 3.5 } });
    expect(plan).toMatchObject({ gpuSecondsPerClip: 90, gpuSecondsPerClipSource: "MEASURED", measuredSamples: 3, gpusNeeded: 3000 });
    expect(plan.costPerClipDollars).toBeCloseTo(0.0875, 9);

    // An input still wins over the measurement.
    const given = await user.client.data(QUERY, { input: { arrivalRatePerSecond: 20, gpuSecondsPerClip: 120, gpuHourlyCost: 3.5 } });
    expect(given.fleetPlan).toMatchObject({ gpuSecondsPerClipSource: "INPUT", gpusNeeded: 4000 });
  });
});
