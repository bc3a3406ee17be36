// Which ffmpeg/ffprobe to run: the system's when present (Debian's ffmpeg, installed by .ci/run),
// else the binary that @ffmpeg-installer/ffmpeg ships in its npm package (ffmpeg only, from 2018).
import { execFileSync, spawn } from "node:child_process";
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

/** Runs ffmpeg with `args`, writing `stdin` (raw frames) to it when given; rejects with its last error lines. */
export function runFfmpeg(args: string[], stdin?: readonly Buffer[]): Promise<void> {
  const command = ffmpegPath();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [stdin ? "pipe" : "ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.once("error", (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim().slice(-500)}`))));
    if (stdin && child.stdin) {
      child.stdin.on("error", () => {}); // ffmpeg exiting early closes the pipe; its exit code says why
      for (const buffer of stdin) child.stdin.write(buffer);
      child.stdin.end();
    }
  });
}
