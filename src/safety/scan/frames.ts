// Raw frame files (the engine's RawFrames: rgb24, width x height x 3 bytes per frame, frames back to
// back, no header) read one frame at a time, and the frame sampling the classifiers use.
import { open, stat } from "node:fs/promises";
import type { RawFrames } from "../../engine/decode.js";

/** What the scanners need of a RawFrames file. */
export type RawFramesInput = Pick<RawFrames, "path" | "width" | "height" | "count">;

export function frameBytes(frames: Pick<RawFrames, "width" | "height">): number {
  return frames.width * frames.height * 3;
}

/**
 * Checks that the file holds exactly `count` frames. A shorter file cannot be scanned; a longer one
 * would hold frames that no scan looked at but that an encoder reading the file would still encode.
 */
export async function checkRawFrames(frames: RawFramesInput): Promise<void> {
  const { width, height, count } = frames;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`raw frames ${frames.path}: bad size ${width}x${height}`);
  }
  if (!Number.isInteger(count) || count < 0) throw new Error(`raw frames ${frames.path}: bad count ${count}`);
  const size = (await stat(frames.path)).size;
  const expected = count * frameBytes(frames);
  if (size !== expected) {
    throw new Error(`raw frames ${frames.path}: ${size} bytes, but ${count} frames of ${width}x${height} rgb24 are ${expected} bytes`);
  }
}

/**
 * Calls `fn` with each frame in order (the buffer is reused: copy what you keep). The next frame is read
 * while `fn` works on this one. `fn` may be async; frames are still handed over one at a time.
 */
export async function forEachFrame(frames: RawFramesInput, fn: (index: number, rgb: Buffer) => void | Promise<void>): Promise<void> {
  await checkRawFrames(frames);
  const size = frameBytes(frames);
  if (frames.count === 0) return;
  const file = await open(frames.path, "r");
  try {
    let current = Buffer.allocUnsafe(size);
    let next = Buffer.allocUnsafe(size);
    await readFully(file, current, 0);
    for (let i = 0; i < frames.count; i++) {
      const pending = i + 1 < frames.count ? readFully(file, next, (i + 1) * size) : null;
      // no unhandled rejection while fn runs: the read's error is re-thrown by the await below
      pending?.catch(() => undefined);
      try {
        await fn(i, current);
      } catch (error) {
        await pending?.catch(() => undefined);
        throw error;
      }
      if (pending) {
        await pending;
        [current, next] = [next, current];
      }
    }
  } finally {
    await file.close();
  }
}

/** Reads the frames at the given indices (in the order given), one buffer each. */
export async function readFrames(frames: RawFramesInput, indices: readonly number[]): Promise<Buffer[]> {
  await checkRawFrames(frames);
  const size = frameBytes(frames);
  const file = await open(frames.path, "r");
  try {
    const out: Buffer[] = [];
    for (const index of indices) {
      if (!Number.isInteger(index) || index < 0 || index >= frames.count) throw new RangeError(`frame ${index} out of 0..${frames.count - 1}`);
      const buffer = Buffer.allocUnsafe(size);
      await readFully(file, buffer, index * size);
      out.push(buffer);
    }
    return out;
  } finally {
    await file.close();
  }
}

async function readFully(file: Awaited<ReturnType<typeof open>>, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await file.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new Error(`raw frames: unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/**
 * The frames the classifiers look at: every 5th frame (0, 5, 10, ...) plus the first and the last,
 * ascending, without repeats. Empty for an empty clip.
 */
export function sampledFrames(count: number, every = 5): number[] {
  if (!Number.isInteger(count) || count <= 0) return [];
  const picked: number[] = [];
  for (let i = 0; i < count; i += every) picked.push(i);
  if (picked.at(-1) !== count - 1) picked.push(count - 1);
  return picked;
}
