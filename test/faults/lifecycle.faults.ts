// The fault-injection harness (issue 22; `npm run test:faults`). For every named crash point in turn
// (src/testing/faults.ts: before/after object-store writes and deletes, before/after fenced statements,
// mid-denoising), a real worker process running the production pipeline stops itself at that point:
// SIGKILL (a crash), or for some points SIGSTOP (a worker frozen there, resumed later as a stale worker).
// A second worker (in this process) then takes the job over and finishes it. After each point:
//   - the job ends exactly once, SUCCEEDED (one terminal event on the bus);
//   - at most KINEMA_CHECKPOINT_EVERY steps were computed twice;
//   - a LISTEN subscriber heard the terminal state;
//   - nothing of the job is left in the store but its clip (checked as the terminal state left it, and
//     after one orphan sweep, the periodic duty that repairs what a kill cut short);
//   - every scheduler_account_load.running (entered - exited) equals count(*) of the account's RUNNING jobs;
//   - a stale worker, resumed after the job ended, changes nothing (row and objects as before).
// It prints a table of points x outcomes and writes it to test-results/faults.md.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../../src/db/pool.js";
import type { BusEvent, JobEvent } from "../../src/events/bus.js";
import { PgEventBus } from "../../src/events/pg.js";
import { DiskObjectStore } from "../../src/storage/disk.js";
import { sweepOrphanObjects } from "../../src/storage/orphans.js";
import { waitFor } from "../helpers/app.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { startEngineKinema } from "../helpers/engine.js";
import { deliveredObjectKeys, jobObjectKeys } from "../helpers/objects.js";
import { insertAccount } from "../helpers/ops.js";
import { engineWorkerEnv, killAll, spawnWorker, type WorkerProcess } from "../helpers/processes.js";

const STEPS = 12;
const CHECKPOINT_EVERY = 4;
const RESCUER = "rescuer";
const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELLED", "BLOCKED"];

// Step writes: the claim moves the job into DENOISING, so recordProgress #k is step k.
const POINTS: { point: string; mode: "kill" | "stop" }[] = [
  { point: "store:before-put:checkpoints:1", mode: "kill" },
  { point: "store:after-put:checkpoints:1", mode: "kill" },
  { point: "store:after-put:checkpoints:1", mode: "stop" },
  { point: "sql:after:recordCheckpoint:1", mode: "kill" },
  { point: "store:after-put:previews:2", mode: "kill" },
  { point: "sql:before:recordProgress:6", mode: "kill" },
  { point: "sql:before:recordProgress:6", mode: "stop" },
  { point: "sql:after:recordProgress:6", mode: "kill" },
  { point: "store:before-put:videos:1", mode: "kill" },
  { point: "store:after-put:videos:1", mode: "kill" },
  { point: "store:after-put:videos:1", mode: "stop" },
  { point: "sql:before:completeJob:1", mode: "kill" },
  { point: "sql:after:completeJob:1", mode: "kill" },
  { point: "store:after-delete:checkpoints:1", mode: "kill" },
];

interface Outcome {
  point: string; mode: string; reached: boolean; status: string; terminalEvents: number; recomputed: number | null;
  heardTerminal: boolean; cleanAtTerminal: boolean; cleanAfterSweep: boolean; countersOk: boolean; staleChangedNothing: boolean | null;
}

let db: TestDatabase;
let pool: pg.Pool;
let bus: PgEventBus;
let rescuer: Awaited<ReturnType<typeof startEngineKinema>>;
let store: DiskObjectStore;
let accountId: string;
const events: JobEvent[] = [];
const workers: WorkerProcess[] = [];
const outcomes: Outcome[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  bus = await PgEventBus.connect(db.url, pool);
  bus.subscribe((e: BusEvent) => { if (e.kind === "job") events.push(e); });
  accountId = await insertAccount(pool, "PLUS");
  // The second worker: in this process, long-lived (one model load for all points). Its own lease is long
  // (a starved heartbeat must not add a third run); it sweeps often, so a dead victim's job moves on fast.
  rescuer = await startEngineKinema(db.url, {
    KINEMA_WORKER_ID: RESCUER, KINEMA_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY), KINEMA_PREVIEW_EVERY: "4",
    KINEMA_SWEEP_MS: "250", KINEMA_LEASE_MS: "60000", KINEMA_HEARTBEAT_MS: "5000", KINEMA_HOUSEKEEPING_MS: "0", KINEMA_ALARM_INTERVAL_MS: "0",
  });
  store = new DiskObjectStore(join(rescuer.dataDir, "objects"));
}, 120_000);

afterAll(async () => {
  await killAll(workers);
  await rescuer?.stop();
  await bus?.close();
  await pool?.end();
  await db?.drop();
});

async function row(id: string) {
  return (await pool.query(`SELECT status, video, fencing_token, finished_at, metadata, steps_completed, checkpoint FROM jobs WHERE id = $1`, [id])).rows[0];
}

/** A job only a victim can take at first: the rescuer avoids it until the victim has stopped. */
async function insertJob(seed: number): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, avoid_worker)
     VALUES ($1, 'PLUS', 'QUEUED', 'QUEUED', 'a red square moving left', 'R480P', 854, 480, 1, 24, $2, $3, 5, $4) RETURNING id`,
    [accountId, seed, STEPS, RESCUER]);
  return rows[0].id;
}

function processState(pid: number): Promise<string | null> {
  return readFile(`/proc/${pid}/stat`, "utf8").then((s) => s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3), () => null);
}

/** Resolves when the victim logs that it lost its lease (it only does so once resumed). */
function leaseLostLine(w: WorkerProcess): Promise<void> {
  return new Promise((resolve) => createInterface({ input: w.child.stdout! }).on("line", (line) => { if (line.includes("lease lost")) resolve(); }));
}

async function countersOk(): Promise<boolean> {
  const { rows } = await pool.query(`SELECT count(*)::int AS wrong FROM scheduler_account_load s
    WHERE s.running <> (SELECT count(*) FROM jobs j WHERE j.account_id = s.account_id AND j.status = 'RUNNING')`);
  return rows[0].wrong === 0;
}

async function runPoint(i: number, { point, mode }: (typeof POINTS)[number]): Promise<Outcome> {
  const victim = spawnWorker(db.url, `victim-${i}`, {
    ...engineWorkerEnv(rescuer.dataDir), KINEMA_FAULT_POINT: point, KINEMA_FAULT_ACTION: mode, LOG_LEVEL: "info",
    KINEMA_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY), KINEMA_PREVIEW_EVERY: "4", KINEMA_LEASE_MS: "5000", KINEMA_HEARTBEAT_MS: "1000",
    KINEMA_HOUSEKEEPING_MS: "0",
  });
  workers.push(victim);
  // Queued once the victim is up (it logs "worker started"), so the victim claims it within one poll,
  // well inside the 30 s the rescuer avoids it.
  await victim.metricsPort;
  const id = await insertJob(100 + i);
  const lost = leaseLostLine(victim);
  // Stopped at the point: killed (exit by signal), or frozen (state T); or the job ended without it.
  const reached = await waitFor(async () => {
    if (victim.child.signalCode === "SIGKILL") return "yes";
    if (mode === "stop" && (await processState(victim.child.pid!)) === "T") return "yes";
    if (TERMINAL.includes((await row(id)).status) && point.startsWith("sql:after:completeJob") === false && !point.includes("delete")) return "no";
    if (victim.child.exitCode !== null) return "no";
    return null;
  }, 180_000, `victim ${i} to reach ${point}`) === "yes";
  const victimToken = Number((await row(id)).fencing_token);
  await pool.query(`UPDATE jobs SET avoid_worker = NULL WHERE id = $1`, [id]);
  await waitFor(async () => TERMINAL.includes((await row(id)).status), 180_000, `job of point ${point} to end`);
  const done = await row(id);
  const keep = deliveredObjectKeys(done.video);
  // the runner removes the objects right after the terminal write: give that a moment to finish
  await waitFor(async () => JSON.stringify(await jobObjectKeys(store, id)) === JSON.stringify(keep), 3_000, "").catch(() => {});
  const cleanAtTerminal = JSON.stringify(await jobObjectKeys(store, id)) === JSON.stringify(keep);
  await sweepOrphanObjects(pool, store, { temporariesOlderThanMs: 0 });
  const cleanAfterSweep = JSON.stringify(await jobObjectKeys(store, id)) === JSON.stringify(keep);

  let staleChangedNothing: boolean | null = null;
  if (mode === "stop" && reached) {
    const before = { row: await row(id), objects: await jobObjectKeys(store, id) };
    victim.child.kill("SIGCONT");
    await Promise.race([lost, new Promise((r) => setTimeout(r, 30_000))]);
    await new Promise((r) => setTimeout(r, 500)); // its removal of what it wrote after the refusal
    staleChangedNothing = JSON.stringify({ row: await row(id), objects: await jobObjectKeys(store, id) }) === JSON.stringify(before);
  }
  await killAll(workers);

  const ofJob = events.filter((e) => e.jobId === id);
  const victimSteps = Math.max(0, ...ofJob.filter((e) => e.fencingToken === victimToken && e.stepsCompleted !== undefined).map((e) => e.stepsCompleted!));
  const denoise = done.metadata.denoise as { resumedFromStep: number } | undefined;
  // Steps computed twice: what the victim had done past the checkpoint the final run resumed from.
  const finalRanDenoise = Number(done.fencing_token) !== victimToken;
  const recomputed = denoise && finalRanDenoise ? Math.max(0, victimSteps - denoise.resumedFromStep) : finalRanDenoise ? null : 0;
  return {
    point, mode, reached, status: done.status, terminalEvents: ofJob.filter((e) => TERMINAL.includes(e.status)).length, recomputed,
    heardTerminal: ofJob.some((e) => e.status === done.status && TERMINAL.includes(e.status)), cleanAtTerminal, cleanAfterSweep,
    countersOk: await countersOk(), staleChangedNothing,
  };
}

function table(rows: Outcome[]): string {
  const head = ["point", "mode", "reached", "status", "terminal events", "recomputed", "heard", "clean at end", "clean after sweep", "counters", "stale changed nothing"];
  const cells = rows.map((o) => [o.point, o.mode, o.reached, o.status, o.terminalEvents, o.recomputed ?? "-", o.heardTerminal, o.cleanAtTerminal, o.cleanAfterSweep, o.countersOk, o.staleChangedNothing ?? "-"].map(String));
  return [head, head.map(() => "---"), ...cells].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

describe("fault injection: a worker stopped at every crash point", () => {
  it("every point: one SUCCEEDED, at most checkpointEvery steps recomputed, heard, nothing left, counters true, stale writes harmless", async () => {
    for (const [i, p] of POINTS.entries()) outcomes.push(await runPoint(i, p));
    const text = table(outcomes);
    console.log(`\n${text}\n`);
    await mkdir("test-results", { recursive: true });
    await writeFile("test-results/faults.md", `# Fault-injection harness\n\n${text}\n`);
    for (const o of outcomes) {
      expect(o, o.point).toMatchObject({ reached: true, status: "SUCCEEDED", terminalEvents: 1, heardTerminal: true, cleanAfterSweep: true, countersOk: true });
      expect(o.recomputed ?? 0, o.point).toBeLessThanOrEqual(CHECKPOINT_EVERY);
      if (o.mode === "stop") expect(o.staleChangedNothing, o.point).toBe(true);
    }
  }, 1_800_000);
});
