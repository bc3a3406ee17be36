// Live previews: the middle latent frame projected to RGB with a fixed linear map (no VAE: a preview
// must cost far less than a step), upscaled 4x, as a small PNG.
import { encodePng } from "./png.js";

const SCALE = 4;
// Latent channel -> RGB weights, cycling for models with more than four channels.
const PROJECTION = [[0.35, 0.23, 0.32], [0.33, 0.5, 0.24], [-0.28, 0.18, 0.27], [-0.21, -0.26, -0.72]];

/** latent: [C, t, h, w] of one batch item. */
export function previewPng(latent: Float32Array, shape: readonly number[]): Buffer {
  const [c, t, h, w] = shape as [number, number, number, number];
  const frame = Math.floor(t / 2);
  const rgb = new Uint8Array(w * SCALE * h * SCALE * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = [0, 0, 0];
      for (let ch = 0; ch < c; ch++) {
        const v = latent[((ch * t + frame) * h + y) * w + x]!;
        const weights = PROJECTION[ch % PROJECTION.length]!;
        for (let k = 0; k < 3; k++) px[k]! += v * weights[k]!;
      }
      const bytes = px.map((v) => Math.max(0, Math.min(255, Math.round(127.5 + 60 * v))));
      for (let dy = 0; dy < SCALE; dy++) {
        for (let dx = 0; dx < SCALE; dx++) rgb.set(bytes, (((y * SCALE + dy) * w * SCALE) + x * SCALE + dx) * 3);
      }
    }
  }
  return encodePng(rgb, w * SCALE, h * SCALE);
}
