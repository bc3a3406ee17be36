// Live previews: the middle latent frame projected to RGB with a fixed linear map (no VAE: a preview
// must cost far less than a step), upscaled 4x, as a small PNG.
import { encodePng } from "./png.js";

const SCALE = 4;
// Latent channel -> RGB weights, cycling for models with more than four channels.
const PROJECTION = [[0.35, 0.23, 0.32], [0.33, 0.5, 0.24], [-0.28, 0.18, 0.27], [-0.21, -0.26, -0.72]];

/**
 * latent: [C, t, h, w] of one batch item. Runs on the denoising step, so each latent pixel is projected
 * once, written SCALE times into its row, and each image row is then copied to the SCALE - 1 rows below
 * it (bench:denoise's direct median at the default geometry's 128 x 72 image, PNG included: 1.87 ms
 * before this layout, 1.02 ms after).
 */
export function previewPng(latent: Float32Array, shape: readonly number[]): Buffer {
  const [c, t, h, w] = shape as [number, number, number, number];
  const frame = Math.floor(t / 2);
  const width = w * SCALE, rowBytes = width * 3;
  const rgb = new Uint8Array(rowBytes * h * SCALE);
  const px = new Float64Array(3);
  for (let y = 0; y < h; y++) {
    const row = y * SCALE * rowBytes;
    for (let x = 0; x < w; x++) {
      px.fill(0);
      for (let ch = 0; ch < c; ch++) {
        const v = latent[((ch * t + frame) * h + y) * w + x]!;
        const weights = PROJECTION[ch % PROJECTION.length]!;
        for (let k = 0; k < 3; k++) px[k]! += v * weights[k]!;
      }
      // clamped to 0..255, rounded half up (Math.round; NaN becomes 0), as the bytes always were
      const r = Math.max(0, Math.min(255, Math.round(127.5 + 60 * px[0]!)));
      const g = Math.max(0, Math.min(255, Math.round(127.5 + 60 * px[1]!)));
      const b = Math.max(0, Math.min(255, Math.round(127.5 + 60 * px[2]!)));
      for (let dx = 0, at = row + x * SCALE * 3; dx < SCALE; dx++, at += 3) {
        rgb[at] = r;
        rgb[at + 1] = g;
        rgb[at + 2] = b;
      }
    }
    for (let dy = 1; dy < SCALE; dy++) rgb.copyWithin(row + dy * rowBytes, row, row + rowBytes);
  }
  return encodePng(rgb, width, h * SCALE);
}
