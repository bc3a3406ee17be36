// UPLOADING: the signed, verified MP4 goes to the object store under a key fixed by the job id (so a
// re-run overwrites, never duplicates), and the job's checkpoints are removed (a delivered job never
// resumes). The runner then marks the job SUCCEEDED in one fenced statement that also announces it.
import type { ObjectStore } from "../../src/storage/store.js";
import type { Stage, StageContext } from "../pipeline.js";
import { checkpointKeys } from "./denoise.js";
import type { StepTimes } from "../../src/engine/step-times.js";

export function uploadStage(deps: { store: ObjectStore; checkpointEvery: number; stepTimes: StepTimes }): Stage {
  return {
    stage: "UPLOADING",
    async run(ctx: StageContext) {
      const encoded = ctx.outputs.encoded;
      if (!encoded) throw new Error("UPLOADING needs the DECODING stage's MP4");
      const key = `videos/${ctx.job.id}.mp4`;
      const stored = await deps.store.putFile(key, encoded.path, "video/mp4");
      ctx.outputs.video = {
        key, width: encoded.width, height: encoded.height, frames: encoded.frames, fps: encoded.fps, bytes: stored.bytes,
        provenance: ctx.outputs.provenance ?? null,
      };
      const { denoisedAt, costKey } = ctx.outputs;
      if (denoisedAt !== undefined && costKey) deps.stepTimes.recordTail(costKey, performance.now() - denoisedAt);
      for (const key of checkpointKeys(ctx.job, deps.checkpointEvery)) await deps.store.delete(key);
    },
  };
}
