// Real worker processes (`workers/main.ts`) for tests that need separate processes: races, SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type pg from "pg";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  id: string;
  exited: Promise<number | null>;
  /** the port its /metrics server listens on, from its "worker started" log line (needs LOG_LEVEL info or lower) */
  metricsPort: Promise<number>;
}

const PINO_WARN = 40;

export function spawnWorker(databaseUrl: string, id: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "workers/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: databaseUrl, KINEMA_WORKER_ID: id, LOG_LEVEL: "warn",
      KINEMA_STAGES_MODULE: "test/fixtures/stages.ts", KINEMA_POLL_MS: "200",
      // several workers on one machine: each takes a free port for its /metrics unless a test names one
      KINEMA_METRICS_PORT: "0", ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // The worker binds its own port (KINEMA_METRICS_PORT=0) and logs it: a port the test picked and freed
  // beforehand could be taken by another process before the worker binds it.
  const metricsPort = new Promise<number>((resolve, reject) => {
    exited.then((code) => reject(new Error(`worker ${id} exited (${code}) before logging its metrics port`)), () => {});
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = parseLogLine(line);
      if (entry?.msg === "worker started" && typeof entry.metricsPort === "number") resolve(entry.metricsPort);
      // its warnings and errors show in the test output, as they did when stdout was inherited
      if (!entry || (typeof entry.level === "number" && entry.level >= PINO_WARN)) process.stdout.write(`${line}\n`);
    });
  });
  metricsPort.catch(() => {}); // only tests that ask for the port care
  return { child, id, exited, metricsPort };
}

/** SIGKILLs every worker of the list still running, waits for them, and empties the list. */
export async function killAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) w.child.kill("SIGKILL");
  await Promise.all(workers.map((w) => w.exited));
  workers.length = 0;
}

function parseLogLine(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Inserts `count` queued jobs for one account with plain SQL (fast, no API round trips). */
export async function insertJobs(pool: pg.Pool, count: number, stepBudget = 30): Promise<string> {
  const { rows } = await pool.query(`INSERT INTO accounts (name, tier) VALUES ('race', 'FREE') RETURNING id`);
  const accountId = rows[0].id as string;
  await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, created_at)
     SELECT $1, 'FREE', 'QUEUED', 'QUEUED', 'job ' || g, 'R480P', 854, 480, 1, 24, g, $3, 3, now() + g * interval '1 microsecond'
     FROM generate_series(1, $2) g`, [accountId, count, stepBudget]);
  return accountId;
}

/**
 * A worker process's environment for the production pipeline (no stages module, one ONNX thread) with
 * its object store under `dataDir`: a short lease, so a dead worker's job is taken over in seconds; not
 * so short that a busy CPU misses heartbeats (4 s was: at load average 20 on two cores a live worker
 * lost its job again and again).
 */
export function engineWorkerEnv(dataDir: string): Record<string, string> {
  return {
    KINEMA_STAGES_MODULE: "", KINEMA_DATA_DIR: dataDir, KINEMA_ORT_THREADS: "1",
    KINEMA_LEASE_MS: "10000", KINEMA_HEARTBEAT_MS: "2000", KINEMA_SWEEP_MS: "250",
  };
}
