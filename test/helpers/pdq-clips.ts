// The ThreatExchange sample clips (../shared/testdata/pdq) for hash-bank tests: their reference vPDQ
// hashes as bank entries, and copies made with ffmpeg (mirrored, rotated, re-encoded, rescaled).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import type { BankEntry } from "../../src/safety/banks/index.js";

const run = promisify(execFile);

/** A clip's reference vPDQ hashes: `frameNumber,quality,pdqHash,timestampSeconds` per line. */
export function vpdqHashes(testdata: string, clip: string): { frame: number; quality: number; hash: string }[] {
  return readFileSync(join(testdata, "video-hashes", `${clip}.txt`), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [frame, quality, hash] = line.split(",");
      return { frame: Number(frame), quality: Number(quality), hash: hash! };
    });
}

/** Bank entries from a clip's reference frame hashes (those PDQ would keep: quality >= 50). */
export function bankEntriesFromClip(testdata: string, clip: string, label = clip): BankEntry[] {
  return vpdqHashes(testdata, clip)
    .filter((f) => f.quality >= 50)
    .map((f) => ({ hash: f.hash, label: `${label}#${f.frame}` }));
}

/**
 * The first `seconds` of a sample clip through an ffmpeg filter chain (`vf`, empty for none), re-encoded
 * with libx264 at `crf` (23: ffmpeg's default; higher is lossier), written to `out`.
 */
export async function transformClip(testdata: string, clip: string, out: string, options: { vf?: string; seconds?: number; crf?: number } = {}): Promise<string> {
  const { vf = "", seconds = 3, crf = 23 } = options;
  await run(ffmpegPath(), [
    "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", join(testdata, "videos", `${clip}.mp4`), "-t", String(seconds),
    ...(vf ? ["-vf", vf] : []), "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", String(crf), "-pix_fmt", "yuv420p", out,
  ]);
  return out;
}
