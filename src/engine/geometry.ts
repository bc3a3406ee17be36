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
  /** frames of the clip */
  frames: number;
  /**
   * present when the clip is generated at more frames than it has (the manifest's minGeneratedFrames):
   * the frames the latent decodes to, of which decode.ts keeps the one nearest each of the clip's (sourceFrame)
   */
  generatedFrames?: number;
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
  const { spatialCompression: sc } = manifest.vae;
  const fps = Math.min(job.fps, profile === "cpu" ? CPU_MAX_FPS : Infinity, manifest.frameRate ?? Infinity);
  const frames = job.durationSeconds * fps;
  const { t, generatedFrames } = latentFramesFor(frames, manifest);
  const h = bucket.height / sc;
  const w = bucket.width / sc;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h % ph !== 0 || w % pw !== 0) {
    throw new Error(`bucket ${bucketName} (${bucket.width}x${bucket.height}) is not a multiple of ${sc * ph}x${sc * pw}`);
  }
  return {
    profile, width: bucket.width, height: bucket.height, fps, frames,
    ...(generatedFrames ? { generatedFrames } : {}),
    latent: [manifest.latentChannels, t, h, w],
    tokens: (t / pt) * (h / ph) * (w / pw),
  };
}

/**
 * The latent's frame count t for a clip of `frames` frames (rounded up to the temporal compression and the
 * patch), and, when the manifest's minGeneratedFrames asks for more than the clip has, the frames it decodes to.
 */
export function latentFramesFor(frames: number, manifest: Pick<ModelManifest, "minGeneratedFrames" | "vae" | "denoiser">): { t: number; generatedFrames?: number } {
  const tc = manifest.vae.temporalCompression;
  const oversampled = (manifest.minGeneratedFrames ?? 0) > frames;
  const t = roundUp(Math.ceil((oversampled ? manifest.minGeneratedFrames! : frames) / tc), manifest.denoiser.patchSize[0]);
  return oversampled ? { t, generatedFrames: t * tc } : { t };
}

/**
 * The decoded frame that becomes frame `index` of the clip. A clip generated at its own frame count keeps
 * frames 0, 1, 2, ... (the temporal compression's rounding excess at the end is dropped, as always). One
 * generated at more frames (generatedFrames) keeps, for each of its frames, the decoded frame nearest the
 * same place in the clip: first to first, last to last.
 */
export function sourceFrame(index: number, geometry: Pick<Geometry, "frames" | "generatedFrames">): number {
  const { frames, generatedFrames } = geometry;
  if (generatedFrames === undefined) return index;
  return frames === 1 ? 0 : Math.round((index * (generatedFrames - 1)) / (frames - 1));
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
