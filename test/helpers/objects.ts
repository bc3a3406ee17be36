// What the object store holds of one job: every key under its checkpoint, preview, video, poster and
// spritesheet prefixes (and the pre-token video key), listed from the store itself.
import { jobPrefixes } from "../../src/storage/job-objects.js";
import type { ObjectStore } from "../../src/storage/store.js";

export async function jobObjectKeys(store: ObjectStore, jobId: string): Promise<string[]> {
  const listed = await Promise.all([...jobPrefixes(jobId), `videos/${jobId}.mp4`].map((p) => store.list(p)));
  return listed.flat().map((o) => o.key).sort();
}

/**
 * The job's keys once they are `expected`, or whatever is there after `timeoutMs` (for the assertion to
 * show). The runner removes a job's objects right after its terminal write commits, so a test that saw
 * the terminal status may look a moment before the removal ends.
 */
export async function settledJobObjectKeys(store: ObjectStore, jobId: string, expected: string[], timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const want = JSON.stringify([...expected].sort());
  for (;;) {
    const keys = await jobObjectKeys(store, jobId);
    if (JSON.stringify(keys) === want || Date.now() > deadline) return keys;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The keys a delivered row's `video` points at, sorted: the clip and, when made, its poster and spritesheet. */
export function deliveredObjectKeys(video: { key?: string; poster?: { key?: string } | null; spritesheet?: { key?: string } | null } | null | undefined): string[] {
  return [video?.key, video?.poster?.key, video?.spritesheet?.key].filter((k): k is string => typeof k === "string").sort();
}
