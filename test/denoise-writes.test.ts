// The denoising stage's checkpoints and previews are stored while the next steps run (issue 18,
// workers/stages/step-writes.ts), against a store whose puts are slow (as an S3 store's are): the steps
// do not wait for them, a preview's key is shown only once its object is stored, a failed put stops the
// job at the next step, and a job cancelled while a put is in flight keeps nothing in the store. Previews
// come at most once per KINEMA_PREVIEW_MIN_MS (the last step's always).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import { createPool } from "../src/db/pool.js";
import { ModelCache } from "../src/engine/models.js";
import { StepTimes } from "../src/engine/step-times.js";
import type { JobEvent } from "../src/events/bus.js";
import { MemoryEventBus } from "../src/events/memory.js";
import { createLogger } from "../src/log.js";
import { JobQueue } from "../src/queue/queue.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import type { ObjectStore } from "../src/storage/store.js";
import { JobRun, type JobOutcome } from "../workers/runner.js";
import { denoiseStage } from "../workers/stages/denoise.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { insertAccount } from "./helpers/ops.js";

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;
let disk: DiskObjectStore;
let models: ModelCache;
let accountId: string;
const config = loadConfig({ KINEMA_MODEL_DIR: "models/kinema-tiny", KINEMA_CHECKPOINT_EVERY: "4", KINEMA_PREVIEW_EVERY: "4", KINEMA_ORT_THREADS: "1" });
const log = createLogger("denoise-writes-test");
const bus = new MemoryEventBus();
/** every step event, with when it was published */
const heard: { event: JobEvent; at: number }[] = [];
const PUT_MS = 1_500; // longer than a step of this job (~0.1-0.3 s on 2 cores)

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  dir = await mkdtemp(join(tmpdir(), "kinema-denoise-writes-"));
  disk = new DiskObjectStore(join(dir, "objects"));
  models = new ModelCache(config.engine);
  accountId = await insertAccount(pool, "PLUS");
  bus.subscribe((event) => { if (event.kind === "job" && event.stepsCompleted !== undefined) heard.push({ event, at: performance.now() }); });
});
afterAll(async () => {
  await models?.release();
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The disk store, with puts that take `putMs` (or fail) and a record of when each one ended. */
function slowStore(fail?: (key: string) => boolean, putMs = PUT_MS) {
  const stored = new Map<string, number>();
  const store: ObjectStore = {
    put: async (key, data, type) => {
      await new Promise((resolve) => setTimeout(resolve, putMs));
      if (fail?.(key)) throw new Error(`put of ${key} failed`);
      await disk.put(key, data, type);
      stored.set(key, performance.now());
    },
    putFile: (key, path, type) => disk.putFile(key, path, type),
    get: (key) => disk.get(key),
    open: (key) => disk.open(key),
    delete: (key) => disk.delete(key),
    list: (prefix) => disk.list(prefix),
  };
  return { store, stored };
}

async function newJob(steps: number): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'a green circle', 'R480P', 854, 480, 1, 24, 5, $2, 1) RETURNING id`, [accountId, steps]);
  return rows[0].id;
}

function start(id: string, store: ObjectStore, engine = config.engine): { run: JobRun; outcome: Promise<JobOutcome> } {
  const queue = new JobQueue(pool, bus, { leaseMs: 60_000, heartbeatMs: 30_000, pollMs: 100, sweepMs: 100, maxAttempts: 1, retryBaseMs: 10, retryMaxMs: 20 });
  let run!: JobRun;
  const outcome = queue.claim("w-writes", "DENOISING").then((job) => {
    expect(job!.id).toBe(id);
    run = new JobRun(job!, { queue, stages: [denoiseStage({ models, store, engine, stepTimes: new StepTimes() })], heartbeatMs: 30_000, log, store });
    return run.run();
  });
  return { get run() { return run; }, outcome };
}

const stepsOf = (id: string) => heard.filter((h) => h.event.jobId === id);

describe("the denoising stage's writes in the background", () => {
  it("steps go on while a checkpoint and a preview are stored; a preview is shown only once stored; the row ends with every step", async () => {
    const id = await newJob(12);
    const { store, stored } = slowStore();
    expect(await start(id, store).outcome).toBe("succeeded");
    const events = stepsOf(id);
    expect(events.map((h) => h.event.stepsCompleted)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const at = (step: number) => events.find((h) => h.event.stepsCompleted === step)!.at;
    // step 4 was announced while its checkpoint was still being stored (written on the step, its put
    // alone would have held step 4's event back by PUT_MS); step 5, computed meanwhile, only once it was
    // (a crash then never loses more than checkpointEvery counted steps)
    const checkpoint4 = [...stored].find(([key]) => key.startsWith(`checkpoints/${id}/`) && key.endsWith("-4.ckpt"))![1];
    expect(at(4)).toBeLessThan(checkpoint4);
    expect(at(5)).toBeGreaterThanOrEqual(checkpoint4);
    // every preview key an event carried was stored before that event
    const shown = events.filter((h) => h.event.previewKey);
    expect(shown.length).toBeGreaterThanOrEqual(2);
    for (const h of shown) expect(stored.get(h.event.previewKey!), h.event.previewKey!).toBeLessThanOrEqual(h.at);
    expect(shown.find((h) => h.event.previewKey!.endsWith("-4.png"))!.event.stepsCompleted).toBeGreaterThan(4);
    expect(shown.at(-1)!.event).toMatchObject({ stepsCompleted: 12 }); // the last step's preview, on the step
    expect(shown.at(-1)!.event.previewKey).toMatch(/-12\.png$/);
    const { rows: [row] } = await pool.query(`SELECT status, steps_completed, checkpoint, metadata FROM jobs WHERE id = $1`, [id]);
    expect(row).toMatchObject({ status: "SUCCEEDED", steps_completed: 12 });
    expect(row.metadata.denoise.stepsExecuted).toBe(12);
  }, 120_000);

  it("a failed checkpoint put stops the job at the step after it is known", async () => {
    const id = await newJob(12);
    const { store } = slowStore((key) => key.startsWith("checkpoints/"));
    expect(await start(id, store).outcome).toBe("failed");
    const { rows: [row] } = await pool.query(`SELECT status, checkpoint FROM jobs WHERE id = $1`, [id]);
    expect(row).toMatchObject({ status: "FAILED", checkpoint: null });
    // the put failed PUT_MS after step 4: step 5, computed meanwhile, is never counted
    const last = Math.max(...stepsOf(id).map((h) => h.event.stepsCompleted!));
    expect(last).toBe(4);
  }, 120_000);

  it("makes at most one preview per KINEMA_PREVIEW_MIN_MS, the last step's always, and every one without a floor", async () => {
    const previewed = async (previewMinMs: number) => {
      const id = await newJob(12);
      const { store, stored } = slowStore(undefined, 0);
      expect(await start(id, store, { ...config.engine, previewEvery: 2, previewMinMs }).outcome).toBe("succeeded");
      return [...stored.keys()].filter((k) => k.startsWith(`previews/${id}/`)).map((k) => Number(/-(\d+)\.png$/.exec(k)![1]));
    };
    expect(await previewed(60_000)).toEqual([2, 12]); // the first due, then the last step's
    // without a floor, every second step's (a preview due while the one before is still being stored is
    // skipped, which a loaded machine's slow put can cause: not all six are required)
    const all = await previewed(0);
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.every((step) => step % 2 === 0)).toBe(true);
    expect(all.at(-1)).toBe(12);
    expect(loadConfig({}).engine.previewMinMs).toBe(0); // off unless set: previews every KINEMA_PREVIEW_EVERY steps
  }, 120_000);

  it("a job cancelled while a checkpoint is being stored keeps nothing in the store", async () => {
    const id = await newJob(30);
    const { store, stored } = slowStore();
    const job = start(id, store);
    const began = performance.now();
    while (!stepsOf(id).some((h) => h.event.stepsCompleted === 4)) {
      if (performance.now() - began > 60_000) throw new Error("no step 4");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await pool.query(`UPDATE jobs SET cancel_requested_at = now() WHERE id = $1`, [id]);
    job.run.stop("cancelled"); // what the cancel's event does at the next step; the checkpoint of step 4 is in flight
    expect(await job.outcome).toBe("cancelled");
    expect([...stored.keys()].some((k) => k.startsWith(`checkpoints/${id}/`))).toBe(true); // it was stored, then removed
    expect(await disk.list(`checkpoints/${id}/`)).toEqual([]);
    expect(await disk.list(`previews/${id}/`)).toEqual([]);
    const { rows: [row] } = await pool.query(`SELECT status FROM jobs WHERE id = $1`, [id]);
    expect(row.status).toBe("CANCELLED");
  }, 120_000);
});
