// Smoke check of an exported kinema-shapes folder (a --quick run's, say) through the engine, as a job runs it:
// load (manifest schema + sha256), geometry from the manifest (latent frames = frames / vae.temporalCompression),
// denoise, chunked decode, H.264 encode (frames counted back by ffprobe). Prints one JSON line per duration and fails if a frame count is off.
//   node --import tsx model/shapes/smoke.ts --model /tmp/ks [--durations 1,4] [--steps 4]
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { decodeToRawFrames } from "../../src/engine/decode.js";
import { denoise } from "../../src/engine/denoise.js";
import { encodeMp4 } from "../../src/engine/encode.js";
import { geometryFor } from "../../src/engine/geometry.js";
import { LoadedModel } from "../../src/engine/runtime.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" },
    durations: { type: "string", default: "1,4" },
    steps: { type: "string", default: "4" },
    prompt: { type: "string", default: "a red circle moving left on a blue background" },
  },
});
const model = await LoadedModel.load(values.model!, "cpu", 1);
const dir = await mkdtemp(join(tmpdir(), "kinema-smoke-"));
let bad = 0;
try {
  for (const durationSeconds of values.durations!.split(",").map(Number)) {
    const job = { resolution: "R480P", durationSeconds, fps: 24 };
    const geometry = geometryFor(job, model.manifest, "cpu");
    const t0 = Date.now();
    const latent = await denoise({
      model, prompt: values.prompt!, seed: 1, steps: Number(values.steps), geometry,
      sampler: model.manifest.sampler.default, guidance: model.manifest.sampler.guidanceScale, onStep: async () => {},
    });
    const raw = await decodeToRawFrames(model, latent, geometry, join(dir, `${durationSeconds}.rgb`));
    const mp4 = await encodeMp4(raw, { path: join(dir, `${durationSeconds}.mp4`), width: 848, height: 480, fps: job.fps, durationSeconds });
    const probed = Number(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
      "stream=nb_read_frames", "-of", "csv=p=0", mp4.path], { encoding: "utf8" }).trim()); // frames in the file, decoded
    const ok = raw.count === geometry.frames && raw.count === durationSeconds * geometry.fps && probed === durationSeconds * job.fps;
    if (!ok) bad++;
    console.log(JSON.stringify({
      model: `${model.manifest.id} ${model.manifest.version}`, durationSeconds, temporalCompression: model.manifest.vae.temporalCompression,
      latent: geometry.latent, frames: raw.count, expectedFrames: durationSeconds * geometry.fps, width: raw.width, height: raw.height,
      mp4Frames: probed, mp4Bytes: mp4.bytes, ms: Date.now() - t0, ok,
    }));
  }
} finally {
  await model.release();
  await rm(dir, { recursive: true, force: true });
}
if (bad) throw new Error(`${bad} duration(s) gave the wrong frame count`);
