// For the removal tests: a stage that stores real objects of every kind a job makes (checkpoint,
// preview, clip) through the worker's store and delivers the clip, optionally holding before it returns
// (a worker "in flight"), and small readers of what the API and the metrics say.
import { checkpointKey, previewKey, videoKey } from "../../src/storage/job-objects.js";
import type { ObjectStore } from "../../src/storage/store.js";
import { registry } from "../../src/ops/metrics.js";
import type { Stage } from "../../workers/pipeline.js";

export const CLIP = Buffer.from("not really an mp4, but bytes all the same ".repeat(50));

/** `hold(jobId)` may return a promise the stage waits for after it stored the clip (the race tests). */
export function storingStage(store: ObjectStore, hold: (jobId: string) => Promise<void> | null = () => null): Stage {
  return {
    stage: "UPLOADING",
    async run(ctx) {
      const { id, fencingToken } = ctx.job;
      const ckpt = checkpointKey(id, fencingToken, 1);
      await store.put(ckpt, Buffer.from("latents"), "application/octet-stream");
      await ctx.checkpoint(ckpt, 1);
      const preview = previewKey(id, fencingToken, 1);
      await store.put(preview, Buffer.from("png"), "image/png");
      await ctx.progress({ stepsCompleted: 1, previewKey: preview });
      const key = videoKey(id, fencingToken);
      await store.put(key, CLIP, "video/mp4");
      ctx.outputs.video = { key, width: ctx.job.width, height: ctx.job.height, frames: 24, fps: ctx.job.fps, bytes: CLIP.length };
      await hold(id);
    },
  };
}

export const JOB_VIEW = `query($id: ID!) { job(id: $id) { id status prompt deletedAt outputsRemovedAt outputsRemovedReason error { code message }
  video { url expiresAt retainedUntil } } }`;
export const DELETE_JOB = `mutation($id: ID!) { deleteJob(id: $id) { job { id status prompt deletedAt outputsRemovedAt outputsRemovedReason video { url } }
  userErrors { code message field } } }`;

/** A counter's value for one label set (0 when never counted). */
export async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return match?.value ?? 0;
}
