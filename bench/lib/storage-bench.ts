// Object storage timings for the delivery benchmark: putFile of a 10 s 480p-sized video (5 MB, about
// 4 Mbit/s) and of a 20 MB one, then the time to the first byte of a download, for the disk adapter
// (in a temp directory) and the S3 adapter (s3rver on loopback: the SDK's and the protocol's cost, not
// a network's). Random bytes stand in for the MP4, which neither store looks inside. Each value is the
// median of BENCH_STORAGE_RUNS runs (default 5, quick 1) after one untimed warm-up.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskObjectStore } from "../../src/storage/disk.js";
import { S3ObjectStore } from "../../src/storage/s3.js";
import type { ObjectStore } from "../../src/storage/store.js";
import { startS3 } from "../../test/helpers/s3.js";
import { benchSize } from "./quick.js";
import { percentile, round } from "./stats.js";

const RUNS = benchSize("BENCH_STORAGE_RUNS", { full: 5, quick: 1 });
const SIZES = { "5mb": 5 * 1024 * 1024, "20mb": 20 * 1024 * 1024 };

/** Median milliseconds of `RUNS` timed calls of `fn`, after one untimed call. */
async function median(fn: (run: number) => Promise<number>): Promise<number> {
  await fn(-1);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) samples.push(await fn(run));
  return round(percentile(samples, 50));
}

async function timeUploads(store: ObjectStore, name: string, files: Record<string, string>, out: Record<string, number>): Promise<void> {
  for (const [size, path] of Object.entries(files)) {
    out[`upload_ms_${name}_${size}`] = await median(async (run) => {
      const started = performance.now();
      await store.putFile(`bench/upload-${size}-${run}.mp4`, path, "video/mp4");
      return performance.now() - started;
    });
  }
}

/** From open() to the first chunk of the stream (the API's /files/ route adds HTTP on top of this). */
async function firstByteOpen(store: ObjectStore, key: string): Promise<number> {
  return median(async () => {
    const started = performance.now();
    const opened = await store.open(key);
    if (!opened) throw new Error(`benchmark object ${key} is missing`);
    const stream = opened.stream as NodeJS.ReadableStream & { destroy(): void };
    await new Promise<void>((resolve, reject) => stream.once("data", () => resolve()).once("error", reject));
    const elapsed = performance.now() - started;
    stream.destroy();
    return elapsed;
  });
}

/** From fetch() of a presigned URL to the first body chunk: what a player waits for. */
async function firstBytePresigned(store: S3ObjectStore, key: string): Promise<number> {
  return median(async () => {
    const { url } = await store.presign(key, 600); // signed when the GraphQL field resolves, not timed
    const started = performance.now();
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`presigned GET answered ${res.status}`);
    const reader = res.body.getReader();
    await reader.read();
    const elapsed = performance.now() - started;
    await reader.cancel();
    return elapsed;
  });
}

export async function measureStorage(): Promise<Record<string, number>> {
  const scratch = await mkdtemp(join(tmpdir(), "kinema-bench-storage-"));
  const s3 = await startS3("kinema-bench");
  const s3Store = new S3ObjectStore({ ...s3.options, prefix: "bench" });
  try {
    const files: Record<string, string> = {};
    for (const [size, bytes] of Object.entries(SIZES)) {
      files[size] = join(scratch, `video-${size}.mp4`);
      await writeFile(files[size], randomBytes(bytes));
    }
    const out: Record<string, number> = {};
    const disk = new DiskObjectStore(join(scratch, "objects"));
    await timeUploads(disk, "disk", files, out);
    out.first_byte_ms_disk = await firstByteOpen(disk, "bench/upload-5mb-0.mp4");
    await timeUploads(s3Store, "s3", files, out);
    out.first_byte_ms_s3_open = await firstByteOpen(s3Store, "bench/upload-5mb-0.mp4");
    out.first_byte_ms_s3_presigned = await firstBytePresigned(s3Store, "bench/upload-5mb-0.mp4");
    return out;
  } finally {
    s3Store.close();
    await s3.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
