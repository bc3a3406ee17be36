// UPLOADING: the signed, verified MP4 goes to the object store under a key of this lease
// (videos/<job>/<token>.mp4), with its poster and spritesheet when the pipeline made them
// (posters/<job>/<token>.jpg, spritesheets/<job>/<token>.jpg), and the runner then marks the job SUCCEEDED
// in one fenced statement that points the row at those keys and announces it. A worker that lost its
// lease can only write keys of its own token, which no row points at: it can never overwrite the clip of
// the owner that delivered. The job's checkpoints and previews are removed by the runner after that fenced
// completion, never before (a crash in between must leave the job resumable from its checkpoint).
import type { ObjectStore } from "../../src/storage/store.js";
import { posterKey, spritesheetKey, videoKey } from "../../src/storage/job-objects.js";
import type { Stage, StageContext } from "../pipeline.js";
import type { StepTimes } from "../../src/engine/step-times.js";

export function uploadStage(deps: { store: ObjectStore; stepTimes: StepTimes }): Stage {
  return {
    stage: "UPLOADING",
    async run(ctx: StageContext) {
      const { encoded, variants } = ctx.outputs;
      if (!encoded) throw new Error("UPLOADING needs the DECODING stage's MP4");
      const { id, fencingToken } = ctx.job;
      const key = videoKey(id, fencingToken);
      const stored = await deps.store.putFile(key, encoded.path, "video/mp4");
      const images = variants ? await uploadVariants(deps.store, id, fencingToken, variants) : {};
      ctx.outputs.video = {
        key, width: encoded.width, height: encoded.height, frames: encoded.frames, fps: encoded.fps, bytes: stored.bytes,
        provenance: ctx.outputs.provenance ?? null, ...images,
      };
      const { denoisedAt, costKey } = ctx.outputs;
      if (denoisedAt !== undefined && costKey) deps.stepTimes.recordTail(costKey, performance.now() - denoisedAt);
    },
  };
}

/** The variants as the row keeps them (`video.poster`, `video.spritesheet`): keys, sizes, layout, credentials. */
async function uploadVariants(store: ObjectStore, jobId: string, token: number, variants: NonNullable<StageContext["outputs"]["variants"]>) {
  const { poster, spritesheet: sheet } = variants;
  const posterAt = posterKey(jobId, token);
  const sheetAt = spritesheetKey(jobId, token);
  const [p, s] = await Promise.all([store.putFile(posterAt, poster.path, "image/jpeg"), store.putFile(sheetAt, sheet.path, "image/jpeg")]);
  return {
    poster: { key: posterAt, width: poster.width, height: poster.height, frame: poster.frame, bytes: p.bytes, provenance: poster.provenance },
    spritesheet: {
      key: sheetAt, width: sheet.width, height: sheet.height, columns: sheet.columns, rows: sheet.rows,
      frameWidth: sheet.frameWidth, frameHeight: sheet.frameHeight, frames: sheet.frames, bytes: s.bytes, provenance: sheet.provenance,
    },
  };
}
