// A stage for post-filter tests, placed right after DECODING: it overwrites one frame of the decoded clip
// with a frame the test supplies (as if the model had generated it) and re-encodes the MP4 from the
// changed frames, so the clip the post-filter scans, signs and uploads is the one that holds the frame.
import { createHash } from "node:crypto";
import { readFile, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { encodeMp4 } from "../../src/engine/encode.js";
import type { ClaimedJob } from "../../src/queue/types.js";
import type { Frame } from "../../src/safety/classifiers/index.js";
import { frameBytes } from "../../src/safety/scan/index.js";
import type { Stage, StageContext } from "../../workers/pipeline.js";

/** the frame to put in a job's clip, at the clip's frame size; null leaves the clip as generated */
export type FrameFor = (job: ClaimedJob, width: number, height: number) => Promise<Frame | null>;

export function spliceStage(frameFor: FrameFor, index: number): Stage {
  return {
    stage: "DECODING",
    async run(ctx: StageContext) {
      const { frames, encoded } = ctx.outputs;
      if (!frames || !encoded) throw new Error("the splice stage needs DECODING's frames and video");
      const frame = await frameFor(ctx.job, frames.width, frames.height);
      if (!frame) return;
      if (frame.width !== frames.width || frame.height !== frames.height) throw new Error(`splice: a ${frame.width}x${frame.height} frame for a ${frames.width}x${frames.height} clip`);
      if (index >= frames.count) throw new Error(`splice: frame ${index} of a ${frames.count}-frame clip`);
      const file = await open(frames.path, "r+");
      try {
        await file.write(frame.rgb, 0, frame.rgb.length, index * frameBytes(frames));
      } finally {
        await file.close();
      }
      const spliced = { ...frames, sha256: createHash("sha256").update(await readFile(frames.path)).digest("hex") };
      const video = await encodeMp4(spliced, { path: join(dirname(encoded.path), "spliced.mp4"), width: encoded.width, height: encoded.height, fps: encoded.fps, durationSeconds: ctx.job.durationSeconds });
      Object.assign(ctx.outputs, { frames: spliced, encoded: video });
      await ctx.progress({ metadata: { spliced: { frame: index } } });
    },
  };
}
