// POSTFILTER: nothing is signed, stored or delivered before the frames pass. The verdict is the shared
// post-filter (src/safety/scan/postfilter.ts, which the rolling re-scan runs too): first, blocking, every
// frame's PDQ hash against the CSAM hash bank (one match blocks, and then nothing of the job is kept: the
// runner removes its previews and checkpoints right after the fenced BLOCKED, as for every block, and the
// frames and video go with the job's temporary folder). Removing them before that write would let a
// worker that lost its lease delete the new owner's objects. Then the classifiers (NSFW, likeness) on the
// sampled frames (every 5th plus the first and last), face presence and the NCII co-occurrence gate.
// Every sampled frame's scores, face count and every hash match go into the job's audit record.
//
// The face-hold switch: a clip with a face, passed while the switch is on, is still completed (signed and
// stored) but recorded as held (metadata.delivery.held); the API signs no URL for a clip with a face while
// the switch is on, so turning it off releases the clip without generating it again.
import { scanClip } from "../../src/safety/scan/index.js";
import type { PostfilterSafety } from "../../src/safety/setup.js";
import { BlockedError } from "../../src/queue/errors.js";
import type { Stage, StageContext } from "../pipeline.js";

export type PostfilterDeps = Pick<PostfilterSafety, "bank" | "classifiers"> & Partial<Pick<PostfilterSafety, "nciiThreshold" | "switches">>;

export function postfilterStage(deps: PostfilterDeps): Stage {
  const switches = deps.switches ?? null;
  return {
    stage: "POSTFILTER",
    async run(ctx: StageContext) {
      const frames = ctx.outputs.frames;
      if (!frames) throw new Error("POSTFILTER needs the DECODING stage's frames");
      const scan = await scanClip(frames, {
        bank: deps.bank, classifiers: deps.classifiers, nciiThreshold: deps.nciiThreshold,
        factor: () => switches?.current.thresholdFactor ?? 1,
      }, () => ctx.throwIfStopped());
      if (scan.verdict === "blocked") throw new BlockedError(scan.category, scan.audit);
      ctx.outputs.safety = { ...ctx.outputs.safety, postfilter: "passed" };
      const now = switches?.current;
      const held = now?.holdFaceClips === true && scan.faces.detected;
      await ctx.progress({
        metadata: {
          postfilter: { verdict: "passed", ...scan.audit },
          ...(held ? { delivery: { held: "FACE_HOLD", safetySwitchesVersion: now.version, at: new Date().toISOString() } } : {}),
        },
      });
    },
  };
}
