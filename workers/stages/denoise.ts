// DENOISING: the DiT loop of src/engine/denoise.ts inside a job. Resumes from the job's checkpoint
// when it matches this request, writes a checkpoint every KINEMA_CHECKPOINT_EVERY steps (and at the
// step in flight when the worker drains) and a preview every KINEMA_PREVIEW_EVERY steps (at most one per
// KINEMA_PREVIEW_MIN_MS, the last step's aside), both stored while the next steps run (step-writes.ts),
// and records the executed steps and their timings.
import type { Config } from "../../src/config/config.js";
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from "../../src/engine/checkpoint.js";
import { denoise, resumable } from "../../src/engine/denoise.js";
import { geometryFor } from "../../src/engine/geometry.js";
import type { ModelSource } from "../../src/engine/models.js";
import { previewPng } from "../../src/engine/preview.js";
import type { ObjectStore } from "../../src/storage/store.js";
import { checkpointKey, previewKey as previewKeyOf } from "../../src/storage/job-objects.js";
import { StepTimes } from "../../src/engine/step-times.js";
import { stepObserver } from "../../src/ops/metrics.js";
import { CheckpointRejectedError } from "../../src/queue/errors.js";
import { StepWrites } from "./step-writes.js";
import type { Stage, StageContext } from "../pipeline.js";

export interface EngineStageDeps { models: ModelSource; store: ObjectStore; engine: Config["engine"]; stepTimes: StepTimes }

export function denoiseStage(deps: EngineStageDeps): Stage {
  return {
    stage: "DENOISING",
    async run(ctx: StageContext) {
      const { job } = ctx;
      const model = await deps.models.get();
      const geometry = geometryFor(job, model.manifest, deps.engine.profile);
      const sampler = deps.engine.sampler ?? model.manifest.sampler.default;
      const guidance = deps.engine.guidance ?? model.manifest.sampler.guidanceScale;
      const request = { model, sampler, guidance, steps: job.stepBudget, geometry };
      const resume = await loadCheckpoint(ctx, deps.store, request);
      // The request's negative prompt (JobService keeps it in metadata), when the model's contract allows one.
      const asked = (job.metadata as { negativePrompt?: unknown }).negativePrompt;
      const negativePrompt = model.manifest.sampler.negativePrompt === true && typeof asked === "string" ? asked : null;
      const stepMs: number[] = [];
      const costKey = StepTimes.key(model.hash, geometry.latent);
      const writes = new StepWrites();
      const observeStep = stepObserver(model.manifest.id, geometry.latent);
      // KINEMA_PREVIEW_MIN_MS (off by default): at CPU speed five steps take ~0.1 s, and a preview then is
      // a PNG, a put and an inode several times a second, CPU a model whose threads take every core
      // loses. A GPU's steps are slower than such a floor and keep every KINEMA_PREVIEW_EVERY.
      const previewMinMs = deps.engine.previewMinMs ?? 0;
      let previewedAt = -Infinity;
      const onStep = async (step: number, values: Float32Array, rng: Checkpoint["rng"], ms: number) => {
        await writes.checkpointed(); // a step past a checkpoint counts once the checkpoint does
        stepMs.push(ms);
        deps.stepTimes.recordStep(costKey, ms);
        observeStep(ms);
        const last = step === job.stepBudget;
        // Draining (the worker got SIGTERM): the step in flight is done; keep it in a checkpoint at this
        // very step (the last one too: the next worker then goes straight to decoding), then
        // ctx.progress() stops the job and the runner hands it back, so nothing is recomputed. Whatever a
        // write in the background ended with, that checkpoint is still worth writing (a lost lease
        // refuses it). The last step waits for the writes in flight, and fails the job if one failed.
        const draining = ctx.signal.aborted && ctx.signal.reason === "shutdown";
        if (draining) await writes.settled();
        else if (last) await writes.drain();
        if ((step % deps.engine.checkpointEvery === 0 && !last) || draining) {
          // keyed by this lease's token: a worker that lost its lease cannot overwrite the new owner's
          const key = checkpointKey(job.id, job.fencingToken, step);
          // encoded now: the next step changes `values`
          const bytes = encodeCheckpoint({ step, totalSteps: job.stepBudget, sampler, guidance, modelHash: model.hash, shape: geometry.latent, rng, latent: values });
          const write = async () => {
            await deps.store.put(key, bytes, "application/octet-stream");
            await ctx.checkpoint(key, step);
          };
          if (!draining) await writes.checkpoint(write); // stored and pointed at while the next steps run
          else {
            await write();
            ctx.log.info({ step }, "draining: checkpoint written at the current step");
          }
        }
        let previewKey = writes.readyPreview();
        // a preview due while the one before is still being stored is skipped (a newer one follows), before its PNG
        if (!draining && (last || (step % deps.engine.previewEvery === 0 && writes.previewFree && performance.now() - previewedAt >= previewMinMs))) {
          previewedAt = performance.now();
          const key = previewKeyOf(job.id, job.fencingToken, step);
          const png = previewPng(values, geometry.latent);
          const put = () => deps.store.put(key, png, "image/png");
          if (!last) writes.storePreview(key, put); // shown from a later step
          else {
            await put();
            previewKey = key;
          }
        }
        await ctx.progress({ stepsCompleted: step, previewKey, etaSeconds: deps.stepTimes.etaSeconds(costKey, job.stepBudget - step) });
      };
      let latent: Float32Array;
      try {
        // The next step's model call starts before this step's writes, unless the job is stopping (a
        // drain's checkpoint is then the last thing, with no call left to finish).
        latent = await denoise({ ...request, prompt: job.prompt, negativePrompt, seed: job.seed, resume, onStep, lookAhead: () => !ctx.signal.aborted });
      } finally {
        // nothing of this lease is written after its stage ends, however it ends (the last step drained
        // the writes of a run that got there)
        await writes.settled();
      }
      const mean = stepMs.reduce((a, b) => a + b, 0) / Math.max(1, stepMs.length);
      await ctx.progress({
        metadata: {
          denoise: {
            model: model.manifest.id, modelHash: model.hash, provider: model.provider, profile: geometry.profile, sampler, guidance, negativePrompt: negativePrompt !== null,
            steps: job.stepBudget, stepsExecuted: stepMs.length, resumedFromStep: resume?.step ?? 0,
            latent: geometry.latent, tokens: geometry.tokens, width: geometry.width, height: geometry.height, fps: geometry.fps,
            ...(geometry.generatedFrames ? { generatedFrames: geometry.generatedFrames } : {}), // a short clip made at more frames
            meanStepMs: Math.round(mean * 10) / 10, stepMs: stepMs.map((ms) => Math.round(ms * 10) / 10),
          },
        },
      });
      Object.assign(ctx.outputs, { latent, geometry, model, denoisedAt: performance.now(), costKey });
    },
  };
}

/**
 * The job's last checkpoint, verified before it is trusted: null without one; CheckpointRejectedError when
 * the reference cannot be resumed (the claim already showed its step, so the runner restarts the job from
 * step 0 under a new lease rather than let progress go back under this one).
 */
async function loadCheckpoint(ctx: StageContext, store: ObjectStore, request: Parameters<typeof resumable>[1]): Promise<Checkpoint | null> {
  const ref = ctx.job.checkpoint;
  if (!ref) return null;
  const bytes = await store.get(ref.key);
  if (!bytes) {
    ctx.log.warn({ checkpoint: ref }, "checkpoint missing from the store; starting over");
    throw new CheckpointRejectedError("missing");
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = decodeCheckpoint(bytes);
  } catch (error) {
    ctx.log.warn({ checkpoint: ref, err: error }, "checkpoint unreadable; starting over");
    throw new CheckpointRejectedError("unreadable");
  }
  if (!resumable(checkpoint, request)) {
    ctx.log.warn({ checkpoint: ref }, "checkpoint made by another model or request; starting over");
    throw new CheckpointRejectedError("another request");
  }
  ctx.log.info({ step: checkpoint.step }, "resuming from checkpoint");
  return checkpoint;
}
