// Output variants made from the decoded raw frames (never from the MP4: no second decode, no chroma
// loss of yuv420p twice): a poster frame at the clip's size and a spritesheet, a grid of evenly spaced
// small frames for scrubbing previews. Both JPEG (quality 3 on ffmpeg's 2-31 scale; every browser shows
// it; c2pa-node signs JPEG). The untrained kinema-tiny's noise-like frames are the worst case: a 854x480
// poster ~430 kB, a 3x3 spritesheet ~450 kB, each about a sixth of the 4 s clip's bytes.
//
// Which frames: only frames the post-filter's classifiers looked at (every 5th plus the first and last,
// src/safety/scan) - every frame also passed the hash gate - so an image never shows a frame no
// classifier saw. The poster is the scanned frame nearest a third of the way in (past a fade-in, before
// the action ends); the spritesheet takes up to 16 scanned frames evenly spaced over them, each at most
// 160 px wide, in a grid of ceil(sqrt(n)) columns.
import { stat } from "node:fs/promises";
import { readFrames } from "../safety/scan/index.js";
import type { RawFrames } from "./decode.js";
import { runFfmpeg } from "./ffmpeg.js";

export const SPRITESHEET_MAX_FRAMES = 16;
export const SPRITESHEET_MAX_FRAME_WIDTH = 160;
/** ffmpeg's JPEG quality scale, 2 (best) to 31 */
const JPEG_QUALITY = "3";

export interface PosterImage { path: string; width: number; height: number; frame: number; bytes: number }

export interface SpritesheetLayout { columns: number; rows: number; frameWidth: number; frameHeight: number; frames: number }

export interface SpritesheetImage extends SpritesheetLayout {
  path: string;
  /** the image's full size: columns * frameWidth by rows * frameHeight */
  width: number;
  height: number;
  /** the raw frame index of each tile, row by row */
  frameIndices: number[];
  bytes: number;
}

/** The candidate nearest a third of the way through `count` frames (candidates ascending, non-empty). */
export function posterFrame(candidates: readonly number[], count: number): number {
  if (candidates.length === 0) throw new Error("no frame to make a poster of");
  const target = (count - 1) / 3;
  return candidates.reduce((best, f) => (Math.abs(f - target) < Math.abs(best - target) ? f : best));
}

/** Up to `max` of the candidates, evenly spaced over them, first and last included. */
export function spriteFrames(candidates: readonly number[], max = SPRITESHEET_MAX_FRAMES): number[] {
  if (candidates.length <= max) return [...candidates];
  if (max === 1) return [candidates[0]!];
  return Array.from({ length: max }, (_, i) => candidates[Math.round((i * (candidates.length - 1)) / (max - 1))]!);
}

/** Tile size and grid for `frames` tiles of a `width` x `height` clip (even tile sizes, for the encoder). */
export function spritesheetLayout(frames: number, width: number, height: number): SpritesheetLayout {
  const frameWidth = even(Math.min(SPRITESHEET_MAX_FRAME_WIDTH, width));
  const frameHeight = even((frameWidth * height) / width);
  const columns = Math.ceil(Math.sqrt(frames));
  return { columns, rows: Math.ceil(frames / columns), frameWidth, frameHeight, frames };
}

function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}

function rawInput(frames: RawFrames): string[] {
  return ["-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${frames.width}x${frames.height}`, "-i", "pipe:0"];
}

/** The poster: frame `index` scaled to the clip's size (bicubic, as the MP4 is). */
export async function encodePoster(frames: RawFrames, index: number, out: { path: string; width: number; height: number }): Promise<PosterImage> {
  const rgb = await readFrames(frames, [index]);
  await runFfmpeg([...rawInput(frames), "-vf", `scale=${out.width}:${out.height}:flags=bicubic`, "-frames:v", "1", "-q:v", JPEG_QUALITY, out.path], rgb);
  return { path: out.path, width: out.width, height: out.height, frame: index, bytes: (await stat(out.path)).size };
}

/** The spritesheet of `indices`, row by row; cells past the last frame stay black. */
export async function encodeSpritesheet(frames: RawFrames, indices: readonly number[], clip: { width: number; height: number }, path: string): Promise<SpritesheetImage> {
  const layout = spritesheetLayout(indices.length, clip.width, clip.height);
  const rgb = await readFrames(frames, indices);
  const filter = `scale=${layout.frameWidth}:${layout.frameHeight}:flags=area,tile=${layout.columns}x${layout.rows}`;
  await runFfmpeg([...rawInput(frames), "-vf", filter, "-frames:v", "1", "-q:v", JPEG_QUALITY, path], rgb);
  return {
    ...layout, path, width: layout.columns * layout.frameWidth, height: layout.rows * layout.frameHeight,
    frameIndices: [...indices], bytes: (await stat(path)).size,
  };
}
