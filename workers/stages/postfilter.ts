// POSTFILTER: nothing is signed, stored or delivered before the frames pass. First, blocking, every
// frame's PDQ hash against the CSAM hash bank (one match blocks, and then nothing of the job is kept:
// previews and checkpoints are deleted now, the frames and video with the job's temporary folder).
// Then the classifiers (NSFW, likeness) on the sampled frames: every 5th plus the first and last.
// Every sampled frame's scores and every hash match go into the job's audit record.
import type { HashBank } from "../../src/safety/banks/index.js";
import { runClassifiers, type ClassifierResult, type FrameClassifier } from "../../src/safety/classifiers/index.js";
import { readFrames, runHashGate, sampledFrames } from "../../src/safety/scan/index.js";
import { BlockedError } from "../../src/queue/errors.js";
import type { ObjectStore } from "../../src/storage/store.js";
import type { Stage, StageContext } from "../pipeline.js";
import { checkpointKeys } from "./denoise.js";

export interface PostfilterDeps {
  bank: HashBank;
  classifiers: readonly FrameClassifier[];
  store: ObjectStore;
  checkpointEvery: number;
  previewEvery: number;
}

export function postfilterStage(deps: PostfilterDeps): Stage {
  return {
    stage: "POSTFILTER",
    async run(ctx: StageContext) {
      const frames = ctx.outputs.frames;
      if (!frames) throw new Error("POSTFILTER needs the DECODING stage's frames");
      const gate = await runHashGate(frames, deps.bank);
      const hashAudit = { summary: gate.summary, matches: gate.verdict.matches };
      if (gate.verdict.blocked) {
        await purge(ctx, deps);
        throw new BlockedError("csam", { hashGate: hashAudit });
      }
      ctx.throwIfStopped();

      const indices = sampledFrames(frames.count);
      const images = await readFrames(frames, indices);
      const samples: { frame: number; results: Record<string, ClassifierResult> }[] = [];
      for (let i = 0; i < indices.length; i++) {
        const results = await runClassifiers(deps.classifiers, { rgb: images[i]!, width: frames.width, height: frames.height });
        samples.push({ frame: indices[i]!, results });
        ctx.throwIfStopped();
      }
      const flagged = samples.flatMap((s) => Object.values(s.results).filter((r) => r.flagged).map((r) => ({ frame: s.frame, category: r.category ?? "unknown" })));
      const audit = { hashGate: hashAudit, samples: samples.map((s) => ({ frame: s.frame, scores: scoresOf(s.results), flagged: flaggedOf(s.results) })) };
      if (flagged.length > 0) throw new BlockedError(flagged[0]!.category, { ...audit, flagged });
      ctx.outputs.safety = { ...ctx.outputs.safety, postfilter: "passed" };
      await ctx.progress({ metadata: { postfilter: { verdict: "passed", ...audit } } });
    },
  };
}

function scoresOf(results: Record<string, ClassifierResult>): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r.scores]));
}

function flaggedOf(results: Record<string, ClassifierResult>): string[] {
  return Object.entries(results).filter(([, r]) => r.flagged).map(([name]) => name);
}

/** Deletes every object this job made so far (previews, checkpoints): for CSAM nothing may be kept. */
async function purge(ctx: StageContext, deps: PostfilterDeps): Promise<void> {
  const { job } = ctx;
  for (let step = 1; step <= job.stepBudget; step++) {
    if (step % deps.previewEvery === 0 || step === job.stepBudget) await deps.store.delete(`previews/${job.id}/${step}.png`);
  }
  for (const key of checkpointKeys(job, deps.checkpointEvery)) await deps.store.delete(key);
}
