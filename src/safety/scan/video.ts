// Scanning any video file (for `kinema scan`, re-scans of delivered clips): ffmpeg decodes the first
// video stream to raw rgb24 frames in a temporary directory (every decoded frame once, at the clip's own
// rate: no frames dropped or duplicated), the frames are scanned, and the directory is removed whatever
// happens, so no decoded frame outlives the scan.
//
// The YUV->RGB conversion uses swscale's accurate rounding and full chroma interpolation: on the PDQ
// sample clips this matches the reference vPDQ hashes exactly on more frames (about 60% vs 45%) than
// ffmpeg's defaults, at a small decoding cost.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ffmpegPath } from "../../engine/ffmpeg.js";
import { runProcess } from "../../processes/run.js";
import type { HashBank } from "../banks/bank.js";
import { frameBytes, type RawFramesInput } from "./frames.js";
import { runHashGate, type HashGateResult } from "./gate.js";

export interface DecodedVideo extends RawFramesInput {
  /** frames per second as ffmpeg reports the output stream (null if it did not say) */
  fps: number | null;
}

export class VideoDecodeError extends Error {}

/** Decodes a video's first video stream to an rgb24 raw frames file at `outPath`. */
export async function decodeVideoToRawFrames(input: string, outPath: string): Promise<DecodedVideo> {
  await stat(input).catch((error: NodeJS.ErrnoException) => {
    throw new VideoDecodeError(`cannot read ${input}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  });
  const args = [
    "-nostdin", "-hide_banner", "-nostats", "-y",
    "-i", input,
    "-map", "0:v:0", "-an", "-sn", "-dn",
    "-vsync", "passthrough",
    "-sws_flags", "area+accurate_rnd+full_chroma_int",
    "-pix_fmt", "rgb24", "-f", "rawvideo", outPath,
  ];
  const stderr = await run(ffmpegPath(), args, input);
  // ffmpeg renders any text file (.txt, .nfo, ...) as a video of its characters: that is not a clip
  if (/^Input #0, tty,/m.test(stderr)) throw new VideoDecodeError(`cannot decode ${input}: not a video (ffmpeg read it as text)`);
  const stream = outputVideoStream(stderr);
  if (!stream) throw new VideoDecodeError(`cannot decode ${input}: ffmpeg reported no rgb24 output stream`);
  const size = (await stat(outPath)).size;
  const perFrame = frameBytes(stream);
  if (size === 0) throw new VideoDecodeError(`cannot decode ${input}: no video frames`);
  if (size % perFrame !== 0) throw new VideoDecodeError(`cannot decode ${input}: ${size} bytes is not a whole number of ${stream.width}x${stream.height} frames`);
  return { path: outPath, width: stream.width, height: stream.height, count: size / perFrame, fps: stream.fps };
}

/**
 * Decodes `input` into a fresh temporary directory, calls `fn` with the frames, and removes the
 * directory afterwards (also when decoding or `fn` fails).
 */
export async function withDecodedVideo<T>(input: string, fn: (frames: DecodedVideo) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "kinema-scan-"));
  try {
    const frames = await decodeVideoToRawFrames(input, join(dir, "frames.rgb"));
    return await fn(frames);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface VideoGateResult extends HashGateResult {
  video: DecodedVideo;
}

/** Decodes a video file and runs the every-frame hash gate on it. */
export async function scanVideoFile(input: string, bank: HashBank): Promise<VideoGateResult> {
  return withDecodedVideo(input, async (video) => ({ video, ...(await runHashGate(video, bank)) }));
}

async function run(command: string, args: string[], input: string): Promise<string> {
  const { code, signal, stderr } = await runProcess(command, args).catch((error: Error) => {
    throw new VideoDecodeError(`cannot run ffmpeg (${command}): ${error.message}`);
  });
  if (code === 0) return stderr;
  const why = stderr
    .trim()
    .split("\n")
    .filter((l) => !/deprecated/i.test(l))
    .slice(-2)
    .join(" | ");
  throw new VideoDecodeError(`cannot decode ${input}: ffmpeg exited with ${signal ?? code}${why ? `: ${why}` : ""}`);
}

/** The output video stream's size and rate from ffmpeg's log ("Output #0 ... Video: rawvideo ..., 480x720, ... 30 fps"). */
export function outputVideoStream(stderr: string): { width: number; height: number; fps: number | null } | null {
  const output = stderr.slice(stderr.indexOf("Output #0"));
  if (!stderr.includes("Output #0")) return null;
  const line = output.split("\n").find((l) => /Stream #\d+:\d+.*Video: rawvideo/.test(l));
  if (!line) return null;
  const size = /, (\d+)x(\d+)[\s,[]/.exec(`${line} `);
  if (!size) return null;
  const fps = /, ([\d.]+) fps/.exec(line);
  return { width: Number(size[1]), height: Number(size[2]), fps: fps ? Number(fps[1]) : null };
}
