// UPLOADING: the signed, verified MP4 goes to the object store under a key of this lease
// (videos/<job>/<token>.mp4), and the runner then marks the job SUCCEEDED in one fenced statement that
// points the row at that key and announces it. A worker that lost its lease can only write a key of its
// own token, which no row points at: it can never overwrite the clip of the owner that delivered. The
// job's checkpoints and previews are removed by the runner after that fenced completion, never before
// (a crash in between must leave the job resumable from its checkpoint).
import type { ObjectStore } from "../../src/storage/store.js";
import { videoKey } from "../../src/storage/job-objects.js";
import type { Stage, StageContext } from "../pipeline.js";
import type { StepTimes } from "../../src/engine/step-times.js";

export function uploadStage(deps: { store: ObjectStore; stepTimes: StepTimes }): Stage {
  return {
    stage: "UPLOADING",
    async run(ctx: StageContext) {
      const encoded = ctx.outputs.encoded;
      if (!encoded) throw new Error("UPLOADING needs the DECODING stage's MP4");
      const key = videoKey(ctx.job.id, ctx.job.fencingToken);
      const stored = await deps.store.putFile(key, encoded.path, "video/mp4");
      ctx.outputs.video = {
        key, width: encoded.width, height: encoded.height, frames: encoded.frames, fps: encoded.fps, bytes: stored.bytes,
        provenance: ctx.outputs.provenance ?? null,
      };
      const { denoisedAt, costKey } = ctx.outputs;
      if (denoisedAt !== undefined && costKey) deps.stepTimes.recordTail(costKey, performance.now() - denoisedAt);
    },
  };
}
