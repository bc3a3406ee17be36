// Is a downloaded clip a playable MP4? ffprobe decodes every frame of the first video stream
// (-count_frames), so a file that only looks like an MP4 from its header does not pass.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ffprobePath } from "../../src/engine/ffmpeg.js";

const run = promisify(execFile);

export interface Probe {
  format: string;
  codec: string;
  width: number;
  height: number;
  /** frames ffprobe decoded */
  frames: number;
  durationSeconds: number;
}

/** ffprobe's path, or an error that says how to get it (the npm ffmpeg fallback ships no ffprobe). */
export function requireFfprobe(): string {
  const path = ffprobePath();
  if (!path) throw new Error("ffprobe is not on PATH: install ffmpeg (e.g. apt-get install ffmpeg); the eval needs it to check clips");
  return path;
}

export async function probeMp4(path: string): Promise<Probe> {
  const { stdout } = await run(requireFfprobe(), ["-v", "error", "-count_frames", "-select_streams", "v:0",
    "-show_entries", "stream=codec_name,width,height,nb_read_frames:format=format_name,duration", "-of", "json", path], { timeout: 60_000 });
  const json = JSON.parse(stdout) as {
    streams?: { codec_name?: string; width?: number; height?: number; nb_read_frames?: string }[];
    format?: { format_name?: string; duration?: string };
  };
  const stream = json.streams?.[0];
  if (!stream) throw new Error("no video stream");
  return {
    format: json.format?.format_name ?? "", codec: stream.codec_name ?? "",
    width: stream.width ?? 0, height: stream.height ?? 0,
    frames: Number(stream.nb_read_frames ?? 0), durationSeconds: Number(json.format?.duration ?? NaN),
  };
}

/** The ISO BMFF signature: an `ftyp` box first. */
export function looksLikeMp4(bytes: Buffer): boolean {
  return bytes.length > 12 && bytes.toString("latin1", 4, 8) === "ftyp";
}
