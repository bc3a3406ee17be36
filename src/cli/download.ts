// Saves a finished job's clip: streams `video.url` (a signed, expiring URL: no API key is sent with it)
// into FILE.part and renames it to FILE once its size matches. An expired or refused link is refreshed
// once by reading the job again.
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { unreachable } from "./client.js";
import { CliError } from "./errors.js";

/**
 * Where the clip goes: FILE as given, a directory gets `kinema-<jobId>.mp4` inside it, and no --out means
 * `kinema-<jobId>.mp4` in the current directory. Its folder is created here, before any work is queued.
 */
export async function outputPath(out: string | undefined): Promise<(jobId: string) => string> {
  const isDir = out !== undefined && (out.endsWith("/") || (await stat(out).then((s) => s.isDirectory(), () => false)));
  const dir = out === undefined ? process.cwd() : isDir ? resolve(out) : dirname(resolve(out));
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CliError(`cannot write to ${dir}: ${(error as Error).message}`);
  }
  return (jobId) => (out === undefined || isDir ? join(dir, `kinema-${jobId}.mp4`) : resolve(out));
}

export async function download(url: string, file: string, expectedBytes: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new DownloadError(unreachable(new URL(url).origin, error), null);
  }
  if (!res.ok || !res.body) throw new DownloadError(`downloading the clip failed: HTTP ${res.status}`, res.status);
  const part = `${file}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(part));
    const { size } = await stat(part);
    if (size !== expectedBytes) throw new DownloadError(`the download is incomplete: ${size} of ${expectedBytes} bytes`, null);
    await rename(part, file);
  } catch (error) {
    await rm(part, { force: true });
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(`saving the clip to ${file} failed: ${(error as Error).message}`, null);
  }
}

export class DownloadError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
  }
}
