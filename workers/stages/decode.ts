// DECODING: the VAE decodes the latent to raw frames (kept for the post-filter), then ffmpeg encodes
// the MP4 at the job's size and frame rate. Both live in a temporary folder removed when the job ends.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeToRawFrames } from "../../src/engine/decode.js";
import { encodeMp4 } from "../../src/engine/encode.js";
import type { Stage, StageContext } from "../pipeline.js";

export function decodeStage(): Stage {
  return {
    stage: "DECODING",
    async run(ctx: StageContext) {
      const { latent, geometry, model } = ctx.outputs;
      if (!latent || !geometry || !model) throw new Error("DECODING needs the DENOISING stage's latent");
      const dir = await mkdtemp(join(tmpdir(), `kinema-${ctx.job.id}-`));
      ctx.onCleanup(() => rm(dir, { recursive: true, force: true }));
      const decodeStart = performance.now();
      const frames = await decodeToRawFrames(model, latent, geometry, join(dir, "frames.rgb"));
      const decodeMs = performance.now() - decodeStart;
      ctx.throwIfStopped();
      const encodeStart = performance.now();
      const encoded = await encodeMp4(frames, {
        path: join(dir, "clip.mp4"), width: ctx.job.width, height: ctx.job.height, fps: ctx.job.fps, durationSeconds: ctx.job.durationSeconds,
      });
      const encodeMs = performance.now() - encodeStart;
      Object.assign(ctx.outputs, { frames, encoded });
      await ctx.progress({
        metadata: { decode: { frames: frames.count, framesSha256: frames.sha256, decodeMs: Math.round(decodeMs), encodeMs: Math.round(encodeMs), bytes: encoded.bytes } },
      });
    },
  };
}
