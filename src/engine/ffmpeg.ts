// Which ffmpeg/ffprobe to run: the system's when present (Debian's ffmpeg, installed by .ci/run),
// else the binary that @ffmpeg-installer/ffmpeg ships in its npm package (ffmpeg only, from 2018).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let cached: string | null = null;

export function ffmpegPath(): string {
  if (cached) return cached;
  cached = onPath("ffmpeg") ?? (require("@ffmpeg-installer/ffmpeg") as { path: string }).path;
  return cached;
}

/** ffprobe from the system, or null (the npm fallback ships none). */
export function ffprobePath(): string | null {
  return onPath("ffprobe");
}

function onPath(name: string): string | null {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}
