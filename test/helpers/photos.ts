// Real frames for the classifier tests: ffmpeg's decode of an image (or a lavfi source) to one rgb24
// frame, letterboxed into the size asked for. Faces come from the photos face-api ships in its npm
// package (demo/sample*.jpg: group photos of 3-4 adults each); no face is synthesised, since a drawn
// face is no test of a face detector.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import type { Frame } from "../../src/safety/classifiers/index.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const FACE_DEMO = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");

/** ffmpeg's decode of an image or lavfi source to one rgb24 frame, letterboxed into width x height. */
export async function decodeFrame(input: string[], width: number, height: number): Promise<Frame> {
  const vf = `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`;
  const { stdout } = await run(ffmpegPath(), ["-hide_banner", "-loglevel", "error", ...input, "-frames:v", "1", "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    { encoding: "buffer", maxBuffer: 64 << 20 });
  return { rgb: new Uint8Array(stdout), width, height };
}

/** face-api's demo photo `sample<n>.jpg` as a width x height frame. */
export const facePhoto = (n: number, width: number, height: number) => decodeFrame(["-i", join(FACE_DEMO, `sample${n}.jpg`)], width, height);
