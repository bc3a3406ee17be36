// Query.fleetPlan: the cost model (src/ops/cost.ts) for any signed-in account. GPU-seconds per clip
// default to what this deployment has measured; a bad input is BAD_USER_INPUT naming the field.
import { GraphQLError } from "graphql";
import type { FleetPlan as FleetPlanResult, QueryResolvers } from "../../generated/graphql.js";
import { CostInputError, fleetPlan, measuredGpuSecondsPerClip } from "../../ops/cost.js";
import { requireAccount } from "../context.js";

/** How many recent SUCCEEDED jobs the measured GPU-seconds per clip average. */
export const MEASURED_JOBS = 50;

function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", field: ["input", field] } });
}

export const costQueries: Pick<QueryResolvers, "fleetPlan"> = {
  fleetPlan: async (_parent, { input }, ctx): Promise<FleetPlanResult> => {
    requireAccount(ctx);
    let gpuSecondsPerClip = input.gpuSecondsPerClip ?? null;
    let measuredSamples = 0;
    if (gpuSecondsPerClip === null) {
      const measured = await measuredGpuSecondsPerClip(ctx.services.sql, MEASURED_JOBS);
      if (!measured) {
        throw badInput("gpuSecondsPerClip", "gpuSecondsPerClip is required: this deployment has no measured SUCCEEDED jobs yet");
      }
      gpuSecondsPerClip = measured.seconds;
      measuredSamples = measured.samples;
    }
    try {
      const plan = fleetPlan({
        arrivalRatePerSecond: input.arrivalRatePerSecond,
        gpuSecondsPerClip,
        gpuHourlyCost: input.gpuHourlyCost,
        targetUtilisation: input.targetUtilisation ?? undefined,
        cacheHitRate: input.cacheHitRate ?? undefined,
        overheadFraction: input.overheadFraction ?? undefined,
        batchingFactor: input.batchingFactor ?? undefined,
        failureRate: input.failureRate ?? undefined,
        concurrentGenerations: input.concurrentGenerations ?? undefined,
        costPerFailure: input.costPerFailure ?? undefined,
        stepsPerClip: input.stepsPerClip ?? undefined,
        checkpointEverySteps: input.checkpointEverySteps ?? null,
      });
      return {
        gpusNeeded: plan.gpusNeeded,
        busyGpus: plan.busyGpus,
        effectiveArrivalRatePerSecond: plan.effectiveArrivalRatePerSecond,
        gpuSecondsPerClip,
        gpuSecondsPerClipSource: measuredSamples > 0 ? "MEASURED" : "INPUT",
        measuredSamples,
        effectiveGpuSecondsPerClip: plan.effectiveGpuSecondsPerClip,
        hourlyBurnDollars: plan.hourlyBurn,
        monthlyBurnDollars: plan.monthlyBurn,
        hourlyBurnWithOverheadDollars: plan.hourlyBurnWithOverhead,
        monthlyBurnWithOverheadDollars: plan.monthlyBurnWithOverhead,
        costPerClipDollars: plan.costPerClip,
        costPerClipWithOverheadDollars: plan.costPerClipWithOverhead,
        costPerRequestDollars: plan.costPerRequest,
        costPerRequestWithOverheadDollars: plan.costPerRequestWithOverhead,
        failuresPerHour: plan.failuresPerHour,
        failureWastePerHourWithoutCheckpointsDollars: plan.failureWastePerHourWithoutCheckpoints,
        failureWastePerHourWithCheckpointsDollars: plan.failureWastePerHourWithCheckpoints,
        bottleneck: plan.bottleneck,
      };
    } catch (error) {
      if (error instanceof CostInputError) throw badInput(error.field, error.message);
      throw error;
    }
  },
};
