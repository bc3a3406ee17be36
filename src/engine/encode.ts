// H.264 MP4 from raw RGB frames by streaming them into ffmpeg: yuv420p (plays everywhere), faststart
// (the index first, so a browser starts playing before the download ends), scaled to the job's size
// and converted to the job's frame rate (frames are repeated, not invented).
import { stat } from "node:fs/promises";
import { runFfmpeg } from "./ffmpeg.js";
import type { RawFrames } from "./decode.js";

export interface EncodedVideo { path: string; width: number; height: number; fps: number; frames: number; bytes: number }

export async function encodeMp4(input: RawFrames, out: { path: string; width: number; height: number; fps: number; durationSeconds: number }): Promise<EncodedVideo> {
  const frames = out.durationSeconds * out.fps;
  const args = [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${input.width}x${input.height}`, "-framerate", String(input.fps), "-i", input.path,
    "-vf", `scale=${out.width}:${out.height}:flags=bicubic,fps=${out.fps}`,
    "-frames:v", String(frames), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
    "-movflags", "+faststart", out.path,
  ];
  await runFfmpeg(args);
  return { path: out.path, width: out.width, height: out.height, fps: out.fps, frames, bytes: (await stat(out.path)).size };
}
