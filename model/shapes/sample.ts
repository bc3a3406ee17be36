// Generates one prompt with a model folder through the repo's engine (load, geometryFor with the "cpu"
// profile, denoise, decode) and writes every frame as a PNG plus a contact sheet (all frames, scaled up),
// and an MP4 with --mp4, so a person can look.
//   node --import tsx model/shapes/sample.ts --model models/kinema-shapes \
//     --prompt "a red circle moving left on a blue background" --steps 30 --out /tmp/s [--seconds 2] [--seed 1] [--guidance 4]
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { decodeToRawFrames } from "../../src/engine/decode.js";
import { denoise } from "../../src/engine/denoise.js";
import { encodeMp4 } from "../../src/engine/encode.js";
import { freeStepBudget } from "../../eval/quality/generate.js";
import { geometryFor } from "../../src/engine/geometry.js";
import { encodePng } from "../../src/engine/png.js";
import { LoadedModel } from "../../src/engine/runtime.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    prompt: { type: "string", default: "a red circle moving left on a blue background" },
    steps: { type: "string", default: String(freeStepBudget()) },
    seconds: { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    guidance: { type: "string" },
    scale: { type: "string", default: "3" },
    out: { type: "string", default: "/tmp/kinema-sample" },
    mp4: { type: "boolean", default: false },
  },
});

const model = await LoadedModel.load(values.model, "cpu", 2);
const { manifest } = model;
const geometry = geometryFor({ resolution: "R480P", durationSeconds: Number(values.seconds), fps: 8 }, manifest, "cpu");
const guidance = values.guidance !== undefined ? Number(values.guidance) : manifest.sampler.guidanceScale;
const steps = Number(values.steps);
const stepMs: number[] = [];
const began = performance.now();
const latent = await denoise({
  model, prompt: values.prompt, seed: Number(values.seed), steps, sampler: manifest.sampler.default, guidance, geometry,
  async onStep(_step, _latent, _rng, ms) { stepMs.push(ms); },
});
const denoiseMs = performance.now() - began;
await mkdir(values.out, { recursive: true });
const decodeStart = performance.now();
const raw = await decodeToRawFrames(model, latent, geometry, join(values.out, "frames.rgb"));
const decodeMs = performance.now() - decodeStart;
const bytes = await readFile(raw.path);
const { width: w, height: h } = raw;
const frameBytes = w * h * 3;
for (let f = 0; f < raw.count; f++) {
  await writeFile(join(values.out, `frame-${String(f).padStart(3, "0")}.png`), encodePng(bytes.subarray(f * frameBytes, (f + 1) * frameBytes), w, h));
}
// contact sheet: up to 8 frames a row, each scaled up by --scale (nearest neighbour), 2 px gaps
const s = Number(values.scale), cols = Math.min(8, raw.count), rows = Math.ceil(raw.count / cols);
const sw = cols * (w * s + 2), sh = rows * (h * s + 2);
const sheet = Buffer.alloc(sw * sh * 3, 128);
for (let f = 0; f < raw.count; f++) {
  const ox = (f % cols) * (w * s + 2), oy = Math.floor(f / cols) * (h * s + 2);
  for (let y = 0; y < h * s; y++) {
    for (let x = 0; x < w * s; x++) {
      const src = f * frameBytes + (Math.floor(y / s) * w + Math.floor(x / s)) * 3;
      bytes.copy(sheet, ((oy + y) * sw + ox + x) * 3, src, src + 3);
    }
  }
}
await writeFile(join(values.out, "sheet.png"), encodePng(sheet, sw, sh));
if (values.mp4) {
  await encodeMp4(raw, { path: join(values.out, "clip.mp4"), width: 448, height: 256, fps: 8, durationSeconds: Number(values.seconds) });
}
await model.release();
const mean = stepMs.reduce((a, b) => a + b, 0) / Math.max(1, stepMs.length);
console.log(JSON.stringify({
  model: manifest.id, prompt: values.prompt, guidance, steps, sampler: manifest.sampler.default, latent: geometry.latent,
  frames: raw.count, size: `${w}x${h}`, meanStepMs: Math.round(mean * 10) / 10, denoiseMs: Math.round(denoiseMs), decodeMs: Math.round(decodeMs),
  out: values.out,
}));
