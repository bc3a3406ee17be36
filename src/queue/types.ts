import type { Tier } from "../config/config.js";
import type { JobStage } from "../jobs/states.js";

/** What a worker gets from a claim: the job's inputs and the lease that fences its writes. */
export interface ClaimedJob {
  id: string;
  accountId: string;
  tier: Tier;
  stage: JobStage;
  prompt: string;
  resolution: string;
  width: number;
  height: number;
  durationSeconds: number;
  fps: number;
  seed: number;
  stepBudget: number;
  stepsCompleted: number;
  attempts: number;
  maxAttempts: number;
  fencingToken: number;
  metadata: Record<string, unknown>;
  /** the last checkpoint written for this job (by any lease), to resume from */
  checkpoint: CheckpointRef | null;
  /** read by the claim itself, on the database's clock: for metrics */
  timing: { queueWaitSeconds: number; ageSeconds: number; firstClaim: boolean };
}

/** Where a checkpoint is stored, and which step and lease wrote it. */
export interface CheckpointRef { key: string; step: number; fencingToken: number }

/** The lease a worker holds: every fenced statement takes it. */
export interface Lease { jobId: string; fencingToken: number }
