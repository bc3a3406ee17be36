// The orphan sweep: job objects nothing needs any more, found by listing the store and asking the jobs
// table. What a worker killed at the wrong moment leaves behind (its terminal removal cut short, an
// object written just before its fenced write was refused, a temporary file of a write killed half-way)
// and what a stale worker wrote after the job ended. Run periodically by one process (workers/housekeeping.ts).
//
// An object is kept when a row points at it (a delivered clip or its poster or spritesheet, also a cache
// hit's: another job's row may point at them; the checkpoint to resume from; the preview live progress
// shows), or when its job is live
// and the key is of the current lease (or has no token: written before keys had one). Everything else of
// a job in a terminal state, of a job that no longer exists, or of an older lease of a live job, goes.
import type { Sql } from "../db/pool.js";
import { DELIVERED_KINDS, JOB_OBJECT_KINDS, parseJobObjectKey } from "./job-objects.js";
import type { ObjectStore } from "./store.js";

interface JobRefs { id: string; status: string; fencing_token: number; checkpoint_key: string | null; preview_key: string | null }

const ROWS = `/* orphanSweepRows */
SELECT id, status, fencing_token, checkpoint->>'key' AS checkpoint_key, progress->>'previewKey' AS preview_key
FROM jobs WHERE id = ANY($1::uuid[])`;
// The clip and its variants (video.poster.key, video.spritesheet.key): a cache hit's row copies them all.
const VIDEOS = `/* orphanSweepVideos */
SELECT DISTINCT k.key FROM jobs
CROSS JOIN LATERAL (VALUES (video->>'key'), (video->'poster'->>'key'), (video->'spritesheet'->>'key')) AS k(key)
WHERE video IS NOT NULL AND k.key = ANY($1::text[])`;

export interface OrphanSweepResult { listed: number; removed: string[]; temporaries: number }

export async function sweepOrphanObjects(sql: Sql, store: ObjectStore, options: { temporariesOlderThanMs: number }): Promise<OrphanSweepResult> {
  const listed = (await Promise.all(JOB_OBJECT_KINDS.map((kind) => store.list(`${kind}/`)))).flat();
  const parsed = listed.map((o) => ({ key: o.key, job: parseJobObjectKey(o.key) })).filter((o) => o.job !== null);
  const ids = [...new Set(parsed.map((o) => o.job!.jobId))];
  const rows = new Map<string, JobRefs>();
  const referencedVideos = new Set<string>();
  // In batches, so one statement never carries a huge array.
  for (let i = 0; i < ids.length; i += 1000) {
    const { rows: batch } = await sql.query<JobRefs>(ROWS, [ids.slice(i, i + 1000)]);
    for (const r of batch) rows.set(r.id, r);
  }
  const videos = parsed.filter((o) => DELIVERED_KINDS.has(o.job!.kind)).map((o) => o.key);
  for (let i = 0; i < videos.length; i += 1000) {
    const { rows: batch } = await sql.query<{ key: string }>(VIDEOS, [videos.slice(i, i + 1000)]);
    for (const r of batch) referencedVideos.add(r.key);
  }
  const removed: string[] = [];
  for (const { key, job } of parsed) {
    if (keep(key, job!, rows.get(job!.jobId), referencedVideos)) continue;
    await store.delete(key);
    removed.push(key);
  }
  const temporaries = (await store.removeTemporaries?.("", options.temporariesOlderThanMs)) ?? 0;
  return { listed: listed.length, removed, temporaries };
}

function keep(key: string, job: NonNullable<ReturnType<typeof parseJobObjectKey>>, row: JobRefs | undefined, videos: Set<string>): boolean {
  if (videos.has(key)) return true;
  if (!row || !["QUEUED", "RUNNING"].includes(row.status)) return false;
  if (key === row.checkpoint_key || key === row.preview_key) return true;
  return job.fencingToken === null || job.fencingToken >= Number(row.fencing_token);
}
