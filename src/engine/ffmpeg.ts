// Which ffmpeg/ffprobe to run: the system's when present (Debian's ffmpeg, installed by .ci/run),
// else the binary that @ffmpeg-installer/ffmpeg ships in its npm package (ffmpeg only, from 2018).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import { createRequire } from "node:module";
import { runProcess } from "../processes/run.js";

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

/** The first executable `name` on PATH, as `command -v` finds it (looked up here: no shell is forked). */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = resolve(dir || ".", name); // an empty entry is the current directory, as for a shell
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs ffmpeg with `args`, writing `stdin` (raw frames) to it when given; rejects with its last error lines. */
export async function runFfmpeg(args: string[], stdin?: readonly Buffer[]): Promise<void> {
  const command = ffmpegPath();
  const { code, signal, stderr } = await runProcess(command, args, stdin).catch((error: Error) => {
    throw new Error(`cannot run ${command}: ${error.message}`, { cause: error });
  });
  if (code !== 0) throw new Error(`ffmpeg exited with ${signal ?? code}: ${stderr.trim().slice(-500)}`);
}
