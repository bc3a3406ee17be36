// The objects a job makes, and their keys. Every key a worker writes carries its lease's fencing token
// (checkpoints/<job>/<token>-<step>.ckpt, previews/<job>/<token>-<step>.png, videos/<job>/<token>.mp4,
// posters/<job>/<token>.jpg, spritesheets/<job>/<token>.jpg),
// so a worker that lost its lease can never overwrite what the job's new owner wrote: it can only add
// objects of its own token, which no row points at and which are removed (by itself when its fenced
// write is refused, at the job's terminal state, or by the orphan sweep). Nothing a worker deletes is
// deleted before the fenced statement that makes the deletion right has committed.
import type { ObjectStore } from "./store.js";

export function checkpointKey(jobId: string, fencingToken: number, step: number): string {
  return `checkpoints/${jobId}/${fencingToken}-${step}.ckpt`;
}

export function previewKey(jobId: string, fencingToken: number, step: number): string {
  return `previews/${jobId}/${fencingToken}-${step}.png`;
}

/** The delivered clip: the fenced completion points the row at this key (another lease's key is never it). */
export function videoKey(jobId: string, fencingToken: number): string {
  return `videos/${jobId}/${fencingToken}.mp4`;
}

/** The clip's poster frame (JPEG, signed; see src/engine/variants.ts), delivered with the clip. */
export function posterKey(jobId: string, fencingToken: number): string {
  return `posters/${jobId}/${fencingToken}.jpg`;
}

/** The clip's spritesheet (JPEG, signed), delivered with the clip. */
export function spritesheetKey(jobId: string, fencingToken: number): string {
  return `spritesheets/${jobId}/${fencingToken}.jpg`;
}

/** The kinds of objects a job makes, as the first segment of their keys. */
export const JOB_OBJECT_KINDS = ["checkpoints", "previews", "videos", "posters", "spritesheets"] as const;

/** The kinds delivered with a job (kept while a row points at them), keyed <kind>/<job>/<token>.<ext>. */
export const DELIVERED_KINDS: ReadonlySet<string> = new Set(["videos", "posters", "spritesheets"]);

export function jobPrefixes(jobId: string): string[] {
  return JOB_OBJECT_KINDS.map((kind) => `${kind}/${jobId}/`);
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// Older keys had no token (checkpoints/<job>/<step>.ckpt, previews/<job>/<step>.png, videos/<job>.mp4).
const JOB_KEY = new RegExp(`^(checkpoints|previews|videos)/(${UUID})(?:/(?:(\\d+)-)?(\\d+)\\.(?:ckpt|png|mp4)|\\.mp4)$`);
// posters/<job>/<token>.jpg, spritesheets/<job>/<token>.jpg (they always had a token)
const IMAGE_KEY = new RegExp(`^(posters|spritesheets)/(${UUID})/(\\d+)\\.jpg$`);

export interface JobObjectKey { kind: (typeof JOB_OBJECT_KINDS)[number]; jobId: string; fencingToken: number | null }

/** The job (and lease) an object key belongs to; null for a key that is no job's object. */
export function parseJobObjectKey(key: string): JobObjectKey | null {
  const image = IMAGE_KEY.exec(key);
  if (image) return { kind: image[1] as JobObjectKey["kind"], jobId: image[2]!, fencingToken: Number(image[3]) };
  const m = JOB_KEY.exec(key);
  if (!m) return null;
  const kind = m[1] as JobObjectKey["kind"];
  // videos/<job>/<token>.mp4: the one number is the token; checkpoints and previews: <token>-<step>
  const token = kind === "videos" ? m[4] : m[3];
  return { kind, jobId: m[2]!, fencingToken: token === undefined ? null : Number(token) };
}

/**
 * Removes every object of the job (and, on disk, every temporary file a killed write left under its
 * folders) except the keys in `keep`. Only for a job in a terminal state, after the fenced statement that
 * made it terminal: nobody may need these objects again. Returns the keys removed.
 */
export async function removeJobObjects(store: ObjectStore, jobId: string, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
  const removed: string[] = [];
  for (const prefix of jobPrefixes(jobId)) {
    for (const object of await store.list(prefix)) {
      if (keep.has(object.key)) continue;
      await store.delete(object.key);
      removed.push(object.key);
    }
    await store.removeTemporaries?.(prefix, 0);
  }
  return removed;
}
