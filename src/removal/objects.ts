// Removing one job's objects from the store: every key under the job's folders, one per kind in
// JOB_OBJECT_KINDS (clip, previews, checkpoints, and whatever kind is added there: posters,
// spritesheets), plus the objects its video pointed at elsewhere (a cache hit's clip lies under the
// source job's folders), except what another job of the account still delivers. Only after the
// statement that cleared the job's video has committed, so no new URL can be handed out meanwhile.
import type { Sql } from "../db/pool.js";
import { JOB_OBJECT_KINDS, jobPrefixes } from "../storage/job-objects.js";
import type { ObjectStore } from "../storage/store.js";
import { sharedVideos } from "./sql.js";

export interface RemovedObjects { objects: number; bytes: number }

export async function removeJobOutputs(sql: Sql, store: ObjectStore, job: { id: string; accountId: string; formerVideo?: unknown }): Promise<RemovedObjects> {
  const pointedAt = objectKeysIn(job.formerVideo).filter((key) => !key.includes(`/${job.id}/`));
  const keep = new Set((await sharedVideos(sql, job.accountId, job.id, pointedAt)).flatMap(objectKeysIn));
  const removed: RemovedObjects = { objects: 0, bytes: 0 };
  for (const prefix of jobPrefixes(job.id)) {
    for (const object of await store.list(prefix)) {
      if (keep.has(object.key)) continue;
      await store.delete(object.key);
      removed.objects += 1;
      removed.bytes += object.bytes;
    }
    await store.removeTemporaries?.(prefix, 0);
  }
  for (const key of pointedAt) {
    if (keep.has(key)) continue;
    const [object] = (await store.list(key)).filter((o) => o.key === key);
    if (!object) continue;
    await store.delete(key);
    removed.objects += 1;
    removed.bytes += object.bytes;
  }
  return removed;
}

/** Every string in a video's JSON that is a job object's key (`<kind>/...`): clip, poster, spritesheet. */
export function objectKeysIn(video: unknown): string[] {
  const keys: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      if ((JOB_OBJECT_KINDS as readonly string[]).includes(value.split("/")[0]!) && value.includes("/")) keys.push(value);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(video);
  return keys;
}
