// The post-filter's sampled-frame classifiers over a 240-frame 854x480 clip: the sampled frames (every
// 5th plus the first and the last: 49) read from a raw rgb24 file, as the POSTFILTER stage reads
// decode.ts's output, then NSFW and likeness on each. Two clips: ffmpeg's testsrc2 (no faces: likeness
// pays for detection only) and one of face-api's demo photos held for 10 s (3 faces in every frame:
// detection plus a descriptor per face). The gallery is one in-memory entry: the shipped gallery is
// empty, and with an empty gallery the likeness check runs no model at all.
import { execFile } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import { likenessClassifier, loadClassifiers, MemoryGallery, nsfwClassifier, runClassifiers, type Frame, type FrameClassifier } from "../../src/safety/classifiers/index.js";
import { isQuick } from "./quick.js";
import { round } from "./stats.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const WIDTH = 854;
const HEIGHT = 480;
const FRAMES = 240;
// Quick mode classifies only the first few sampled frames: the same models and path, a fraction of the time.
const QUICK_FRAMES = 3;
const QUICK = isQuick();

/** Every 5th frame plus the first and the last. */
export function sampledFrames(count: number, every = 5): number[] {
  const picked = new Set<number>([0, count - 1]);
  for (let i = 0; i < count; i += every) picked.add(i);
  return [...picked].sort((a, b) => a - b);
}

/** Milliseconds, keyed with their units. */
export async function measureClassifiers(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), "kinema-bench-classifiers-"));
  const descriptor = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) / 8);
  const nsfw = nsfwClassifier();
  const likeness = likenessClassifier({ gallery: new MemoryGallery([{ label: "bench", descriptor }]) });
  const tiny = likenessClassifier({ gallery: new MemoryGallery([{ label: "bench", descriptor }]), detector: "tiny" });
  const out: Record<string, number> = {};
  try {
    let start = performance.now();
    await loadClassifiers([nsfw, likeness]);
    out.classifiers_load_ms = round(performance.now() - start);
    const photo = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo", "sample3.jpg");
    const clips = {
      "": ["-f", "lavfi", "-i", `testsrc2=size=${WIDTH}x${HEIGHT}:rate=24`],
      _faces: ["-loop", "1", "-i", photo],
    };
    const fit = `scale=${WIDTH}:${HEIGHT}:force_original_aspect_ratio=decrease,pad=${WIDTH}:${HEIGHT}:(ow-iw)/2:(oh-ih)/2`;
    for (const [suffix, input] of Object.entries(clips)) {
      const path = join(dir, `clip${suffix}.rgb`);
      const picked = sampledFrames(FRAMES).slice(0, QUICK ? QUICK_FRAMES : undefined);
      // up to the last frame read: all 240 at full size, a few hundred MB of raw frames less when quick
      const decoded = Math.max(...picked) + 1;
      await run(ffmpegPath(), ["-hide_banner", "-loglevel", "error", "-y", ...input, "-frames:v", String(decoded), "-vf", fit, "-f", "rawvideo", "-pix_fmt", "rgb24", path]);
      const frames = await readFrames(path, picked);
      const spent = { nsfw: 0, likeness: 0 };
      start = performance.now();
      for (const frame of frames) {
        for (const classifier of [nsfw, likeness]) {
          const t = performance.now();
          await runClassifiers([classifier], frame);
          spent[classifier.name as keyof typeof spent] += performance.now() - t;
        }
      }
      out[`classifiers_ms_sampled_240f_480p${suffix}`] = round(performance.now() - start);
      out[`nsfw_ms_per_frame${suffix}`] = round(spent.nsfw / frames.length);
      out[`likeness_ms_per_frame${suffix}`] = round(spent.likeness / frames.length);
      out[`likeness_tiny_ms_per_frame${suffix}`] = round(await perFrame(tiny, frames.slice(0, QUICK ? 1 : 10)));
    }
    out.nsfw_ms_per_frame_224 = round(await perFrame(nsfw, Array.from({ length: QUICK ? 2 : 20 }, () => ({ rgb: new Uint8Array(224 * 224 * 3).fill(90), width: 224, height: 224 }))));
    out.sampled_frames_240f = sampledFrames(FRAMES).length;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

async function perFrame(classifier: FrameClassifier, frames: Frame[]): Promise<number> {
  const start = performance.now();
  for (const frame of frames) await classifier.classify(frame);
  return (performance.now() - start) / frames.length;
}

async function readFrames(path: string, indices: number[]): Promise<Frame[]> {
  const size = WIDTH * HEIGHT * 3;
  const file = await open(path, "r");
  try {
    const frames: Frame[] = [];
    for (const index of indices) {
      const rgb = new Uint8Array(size);
      const { bytesRead } = await file.read(rgb, 0, size, index * size);
      if (bytesRead !== size) throw new Error(`${path}: frame ${index} is short (${bytesRead} of ${size} bytes)`);
      frames.push({ rgb, width: WIDTH, height: HEIGHT });
    }
    return frames;
  } finally {
    await file.close();
  }
}
