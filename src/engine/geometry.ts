// From a job (resolution, duration, fps) to the latent the denoiser runs on, through the manifest's
// compression factors and patch size. The "full" profile generates at the resolution's bucket and the
// job's fps (what a GPU runs); the "cpu" profile generates at the manifest's small "CPU" bucket and at
// most 8 fps, and the encoder scales to the job's size and frame rate, so a 2-core machine finishes a
// demo clip in seconds. Either profile runs no faster than the model's own frame rate, if it has one.
import type { ModelManifest } from "./manifest.js";

export type EngineProfile = "cpu" | "full";

export interface Geometry {
  profile: EngineProfile;
  /** what the model generates */
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** [C, t, h, w] of one latent */
  latent: [number, number, number, number];
  /** spacetime patches (tokens) the DiT attends over, per batch item */
  tokens: number;
}

export interface JobGeometryInput { resolution: string; durationSeconds: number; fps: number }

export const CPU_MAX_FPS = 8;

export function geometryFor(job: JobGeometryInput, manifest: ModelManifest, profile: EngineProfile): Geometry {
  const bucketName = profile === "cpu" ? "CPU" : job.resolution;
  const bucket = manifest.buckets[bucketName];
  if (!bucket) throw new Error(`model ${manifest.id} has no "${bucketName}" resolution bucket`);
  const [pt, ph, pw] = manifest.denoiser.patchSize;
  const { temporalCompression: tc, spatialCompression: sc } = manifest.vae;
  const fps = Math.min(job.fps, profile === "cpu" ? CPU_MAX_FPS : Infinity, manifest.frameRate ?? Infinity);
  const frames = job.durationSeconds * fps;
  const t = roundUp(Math.ceil(frames / tc), pt);
  const h = bucket.height / sc;
  const w = bucket.width / sc;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h % ph !== 0 || w % pw !== 0) {
    throw new Error(`bucket ${bucketName} (${bucket.width}x${bucket.height}) is not a multiple of ${sc * ph}x${sc * pw}`);
  }
  return {
    profile, width: bucket.width, height: bucket.height, fps, frames,
    latent: [manifest.latentChannels, t, h, w],
    tokens: (t / pt) * (h / ph) * (w / pw),
  };
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
