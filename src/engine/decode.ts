// VAE decode in temporal chunks (memory stays bounded whatever the clip length), written as raw RGB
// frames to a file: the post-filter reads every frame from it and the encoder streams it. The decoder
// has no receptive field across latent frames, so chunking changes nothing in the output. A clip
// generated at more frames than it has (geometry.generatedFrames) keeps the frame nearest each of its own.
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { sourceFrame, type Geometry } from "./geometry.js";
import type { Model } from "./runtime.js";

export interface RawFrames {
  path: string;
  width: number;
  height: number;
  fps: number;
  count: number;
  /** sha256 of all frame bytes: equal for equal videos, whatever the encoder does */
  sha256: string;
}

export async function decodeToRawFrames(model: Model, latent: Float32Array, geometry: Geometry, path: string, chunk = 2): Promise<RawFrames> {
  const [c, t, h, w] = geometry.latent;
  const { temporalCompression: tc, spatialCompression: sc, scalingFactor } = model.manifest.vae;
  const width = w * sc;
  const height = h * sc;
  const frameBytes = width * height * 3;
  const hash = createHash("sha256");
  const file = await open(path, "w");
  let written = 0;
  try {
    let next = sourceFrame(0, geometry); // the decoded frame the clip's next frame is
    for (let t0 = 0; t0 < t && written < geometry.frames; t0 += chunk) {
      const k = Math.min(chunk, t - t0);
      const slice = new Float32Array(c * k * h * w);
      for (let ch = 0; ch < c; ch++) {
        for (let dt = 0; dt < k; dt++) {
          const from = ((ch * t + t0 + dt) * h) * w;
          const to = ((ch * k + dt) * h) * w;
          for (let i = 0; i < h * w; i++) slice[to + i] = latent[from + i]! / scalingFactor;
        }
      }
      const decoded = await model.decode({ data: slice, dims: [1, c, k, h, w] });
      const frames = k * tc;
      const rgb = Buffer.alloc(frameBytes);
      for (let f = 0; f < frames && written < geometry.frames; f++) {
        if (t0 * tc + f !== next) continue; // a frame an oversampled clip does not keep
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const o = (y * width + x) * 3;
            for (let ch = 0; ch < 3; ch++) {
              const v = decoded.data[((ch * frames + f) * height + y) * width + x]!;
              rgb[o + ch] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
            }
          }
        }
        hash.update(rgb);
        await file.write(rgb);
        written++;
        next = sourceFrame(written, geometry);
      }
    }
  } finally {
    await file.close();
  }
  return { path, width, height, fps: geometry.fps, count: written, sha256: hash.digest("hex") };
}
