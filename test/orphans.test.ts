// The orphan sweep (src/storage/orphans.ts): what a kill cut short or a stale worker wrote late is
// removed; what a row points at, and the current lease's objects of a live job, are kept.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import { checkpointKey, previewKey, videoKey } from "../src/storage/job-objects.js";
import { sweepOrphanObjects } from "../src/storage/orphans.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount } from "./helpers/ops.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let store: DiskObjectStore;
let accountId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  dir = await mkdtemp(join(tmpdir(), "kinema-orphans-"));
  store = new DiskObjectStore(join(dir, "objects"));
  accountId = await insertAccount(pool, "PLUS");
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function job(status: string, token: number, refs: { checkpoint?: string; preview?: string; video?: string } = {}): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts,
       fencing_token, checkpoint, progress, video, lease_owner, lease_expires_at)
     VALUES ($1, 'PLUS', $2::"JobStatus", 'DENOISING', 'orphans', 'R480P', 854, 480, 1, 24, 1, 20, 3, $3, $4, $5, $6,
       CASE WHEN $2::"JobStatus" = 'RUNNING' THEN 'w' END, CASE WHEN $2::"JobStatus" = 'RUNNING' THEN now() + interval '1 hour' END) RETURNING id`,
    [accountId, status, token, refs.checkpoint ? JSON.stringify({ key: refs.checkpoint, step: 4, fencingToken: token - 1 }) : null,
      JSON.stringify(refs.preview ? { previewKey: refs.preview } : {}), refs.video ? JSON.stringify({ key: refs.video }) : null]);
  return rows[0].id;
}

const put = (key: string) => store.put(key, Buffer.from(key), "application/octet-stream");

describe("the orphan sweep", () => {
  it("removes what nothing needs and keeps what a row points at or the live lease owns", async () => {
    // A live job now under lease 9; lease 8 left a checkpoint (the reference to resume from) and a
    // preview nobody shows; lease 9 has written a preview already.
    const live = await job("RUNNING", 9, { checkpoint: "placeholder" });
    const ref = checkpointKey(live, 8, 4);
    await pool.query(`UPDATE jobs SET checkpoint = jsonb_set(checkpoint, '{key}', to_jsonb($2::text)) WHERE id = $1`, [live, ref]);
    for (const k of [ref, previewKey(live, 8, 4), previewKey(live, 9, 8)]) await put(k);
    // A delivered job whose removal was cut short, plus a stale worker's late clip; a cache hit (another
    // job) points at the delivered clip too.
    const delivered = await job("SUCCEEDED", 5);
    const clip = videoKey(delivered, 5);
    await pool.query(`UPDATE jobs SET video = $2 WHERE id = $1`, [delivered, JSON.stringify({ key: clip })]);
    await job("SUCCEEDED", 0, { video: clip });
    for (const k of [clip, videoKey(delivered, 4), checkpointKey(delivered, 5, 4), previewKey(delivered, 5, 4)]) await put(k);
    // A blocked job's late preview (a stale worker after the purge), and a job that no longer exists.
    const blocked = await job("BLOCKED", 3);
    await put(previewKey(blocked, 2, 12));
    const gone = "00000000-0000-4000-8000-000000000000";
    await put(checkpointKey(gone, 1, 4));
    // A temporary file a killed write left.
    await writeFile(join(dir, "objects", "videos", delivered, "6.mp4.0badf00d.tmp"), "half");

    const result = await sweepOrphanObjects(pool, store, { temporariesOlderThanMs: 0 });
    expect(result.removed.sort()).toEqual([
      previewKey(live, 8, 4), videoKey(delivered, 4), checkpointKey(delivered, 5, 4), previewKey(delivered, 5, 4), previewKey(blocked, 2, 12), checkpointKey(gone, 1, 4),
    ].sort());
    expect(result.temporaries).toBe(1);
    const left = [...await store.list("checkpoints/"), ...await store.list("previews/"), ...await store.list("videos/")].map((o) => o.key).sort();
    expect(left).toEqual([ref, previewKey(live, 9, 8), clip].sort());
    // a second sweep finds nothing more
    expect((await sweepOrphanObjects(pool, store, { temporariesOlderThanMs: 0 })).removed).toEqual([]);
  });
});
