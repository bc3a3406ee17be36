// The simulated GPUs of bench/fleet.ts. Each slot is one worker's job loop with the model replaced by a
// timed sleep: the real claim, heartbeat, progress, checkpoint and completion statements through the real
// JobQueue, in the order and at the rate a worker runs them (a checkpoint every CHECKPOINT_EVERY steps
// but the last, recorded while the next steps run as the stage does it, then the step's progress write, a
// heartbeat every heartbeatMs on its own timer, completion at the end). The slots of one process share
// its pool, as the GPUs of one worker host would; bench/fleet.ts spreads a fleet's slots over several
// such processes (fleet-host.ts).
import { LeaseLostError } from "../../src/queue/errors.js";
import type { JobQueue } from "../../src/queue/queue.js";
import type { Lease } from "../../src/queue/types.js";
import { checkpointKey, videoKey } from "../../src/storage/job-objects.js";
import { StepWrites } from "../../workers/stages/step-writes.js";
import { sleep } from "./stats.js";

const CHECKPOINT_EVERY = 10; // the worker's checkpoint interval (issue: "checkpointing every 10 steps")

export interface SlotPlan {
  slots: number;
  stepMs: number;
  stepsPerJob: number;
  heartbeatMs: number;
  pollMs: number;
  /** slots make their first claims spread over this long: a fleet does not start all at once */
  staggerMs: number;
  /** slots stop claiming at this time (performance.now()); a job in flight then is completed at once */
  stopAt: number;
  /** every step a synchronous progress write (the path before pipelined steps), for A/B runs */
  syncSteps?: boolean;
}

/** What the slots measured: every statement's latency by kind, leases lost, claims that found nothing. */
export interface SlotStats {
  claimMs: number[];
  progressMs: number[];
  checkpointMs: number[];
  heartbeatMs: number[];
  completeMs: number[];
  leasesLost: number;
  /** jobs a statement failed for (a deadlock): the slot drops the job, as a worker whose write failed */
  jobErrors: number;
  emptyClaims: number;
  jobsFinished: number;
  stepsWritten: number;
  /** the most slots holding a job at once */
  peakRunning: number;
}

export function emptyStats(): SlotStats {
  return { claimMs: [], progressMs: [], checkpointMs: [], heartbeatMs: [], completeMs: [], leasesLost: 0, jobErrors: 0, emptyClaims: 0, jobsFinished: 0, stepsWritten: 0, peakRunning: 0 };
}

async function timed<T>(samples: number[], write: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await write();
  } finally {
    samples.push(performance.now() - started);
  }
}

/**
 * Runs `plan.slots` job loops until `plan.stopAt`. `onStep(jobId, step)` is called as each step's
 * sleep ends (before its checkpoint and progress writes), so a watcher can time the step to its
 * subscriber's receipt.
 */
export async function runSlots(queue: JobQueue, plan: SlotPlan, stats: SlotStats, onStep: (jobId: string, step: number) => void): Promise<void> {
  let running = 0;
  const slot = async (index: number) => {
    // Staggered, as a fleet's GPUs are: all slots claiming in the same second is a thundering herd no
    // running fleet produces. The first job starts at a random step, as if the slot had been running for a
    // while, so claims and completions are spread evenly from the start (a steady state, not a wave).
    await sleep(Math.random() * plan.staggerMs);
    let first = true;
    while (performance.now() < plan.stopAt) {
      const job = await timed(stats.claimMs, () => queue.claim(`fleet-${index}`, "DENOISING")).catch(() => {
        stats.jobErrors++; // reported by the host with its statement and SQLSTATE
        return "failed" as const;
      });
      if (job === "failed") {
        await sleep(plan.pollMs);
        continue;
      }
      if (!job) {
        stats.emptyClaims++;
        await sleep(plan.pollMs);
        continue;
      }
      running++;
      stats.peakRunning = Math.max(stats.peakRunning, running);
      const lease: Lease = { jobId: job.id, fencingToken: job.fencingToken };
      const heartbeat = setInterval(() => {
        void timed(stats.heartbeatMs, () => queue.heartbeat(lease)).catch(() => {});
      }, plan.heartbeatMs);
      try {
        const from = first ? Math.floor(Math.random() * plan.stepsPerJob) : job.stepsCompleted;
        first = false;
        await runJob(queue, plan, stats, lease, from, onStep);
        await timed(stats.completeMs, () => queue.complete(lease, { key: videoKey(job.id, job.fencingToken), bench: true }, {}));
        stats.jobsFinished++;
      } catch (error) {
        // A lost lease is a criterion of the bench; any other failure (a deadlock) is counted and reported
        // with its statement by the host: the slot goes on, the job's lease runs out and it is swept.
        if (error instanceof LeaseLostError) stats.leasesLost++;
        else stats.jobErrors++;
      } finally {
        clearInterval(heartbeat);
        running--;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.slots }, (_, i) => slot(i)));
}

async function runJob(queue: JobQueue, plan: SlotPlan, stats: SlotStats, lease: Lease, from: number, onStep: (jobId: string, step: number) => void): Promise<void> {
  // as the stage runs checkpoints: stored and recorded while the next steps run (workers/stages/step-writes.ts)
  const writes = new StepWrites();
  try {
    for (let step = from + 1; step <= plan.stepsPerJob; step++) {
      await sleep(plan.stepMs); // the model's step
      writes.throwIfFailed();
      if (performance.now() >= plan.stopAt) break; // the level is over: finish now, the measure window closed
      onStep(lease.jobId, step); // the model's step is done: its subscriber's latency counts from here
      // the stage's order (workers/stages/denoise.ts): the checkpoint (not at the last step), then the step
      if (step % CHECKPOINT_EVERY === 0 && step < plan.stepsPerJob) {
        const key = checkpointKey(lease.jobId, lease.fencingToken, step);
        await writes.checkpoint(async () => { await timed(stats.checkpointMs, () => queue.checkpoint(lease, key, step)); });
      }
      const eta = ((plan.stepsPerJob - step) * plan.stepMs) / 1000;
      // as the runner writes a step: pipelined (queue.step; src/queue/step-pipeline.ts)
      const write = { stage: "DENOISING" as const, stepsCompleted: step, progress: { etaSeconds: eta } };
      await timed(stats.progressMs, () => plan.syncSteps ? queue.progress(lease, write, plan.stepsPerJob) : queue.step(lease, write, plan.stepsPerJob));
      stats.stepsWritten++;
    }
    await writes.drain();
  } finally {
    await writes.settled();
  }
}
