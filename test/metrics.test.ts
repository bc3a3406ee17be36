// Prometheus metrics: /metrics on an API process's own metrics server (never the public API port; the
// same process as an embedded worker here) and on a worker process, with values that move as jobs run,
// fail, get blocked, and labelled series for every tier and stage present at zero from the start.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { insertJobs, spawnWorker } from "./helpers/processes.js";
import { deliveringStage, steppingStage } from "./fixtures/stages.js";
import { BlockedError, JobError } from "../src/queue/errors.js";
import type { Stage } from "../workers/pipeline.js";
import { KNOWN_STAGES, KNOWN_TIERS, observeStep } from "../src/ops/metrics.js";
import { startMetricsServer, type MetricsServer } from "../src/ops/metrics-server.js";
import { startEngineKinema } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** The sum of the samples of `name` whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? "";
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** Fails, blocks or delivers by prompt. */
function outcomeStage(): Stage {
  return {
    stage: "POSTFILTER",
    async run(ctx) {
      if (ctx.job.prompt.includes("nan")) throw new JobError("NAN_DETECTED", "non-finite latent", true, { maxAttempts: 1 });
      if (ctx.job.prompt.includes("unsigned")) throw new JobError("PROVENANCE_INVALID", "does not verify", false);
      if (ctx.job.prompt.includes("blocked")) throw new BlockedError("NSFW", { frames: [1] });
    },
  };
}

async function insertJob(accountId: string, tier: "FREE" | "PLUS", prompt: string, createdSecondsAgo = 0): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts, created_at)
     VALUES ($1, $2, 'QUEUED', 'QUEUED', $3, 'R480P', 854, 480, 1, 24, 1, 5, 3, now() - $4 * interval '1 second') RETURNING id`,
    [accountId, tier, prompt, createdSecondsAgo]);
  return rows[0].id;
}

async function statusOf(id: string): Promise<string> {
  const { rows } = await pool.query("SELECT status FROM jobs WHERE id = $1", [id]);
  return rows[0].status;
}

describe("/metrics of an API process", () => {
  let app: TestKinema;
  let server: MetricsServer;
  let metricsUrl: string;
  beforeAll(async () => {
    app = await startTestKinema({ databaseUrl: db.url, workers: 1, stages: [steppingStage(2), outcomeStage(), deliveringStage()] });
    server = await startMetricsServer(0, "127.0.0.1"); // as `npm start` does, on KINEMA_API_METRICS_PORT
    metricsUrl = `http://127.0.0.1:${server.port}/metrics`;
  });
  afterAll(async () => { await server?.close(); await app?.stop(); });

  it("is not served on the public API port, with or without a key", async () => {
    const { key } = await app.account("PLUS", "ADMIN");
    for (const headers of [{}, { authorization: `Bearer ${key}` }] as Record<string, string>[]) {
      const res = await fetch(new URL("/metrics", app.url), { headers });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("kinema_");
    }
  });

  it("has every tier's and every stage's series at zero before any job", async () => {
    // This file's other tests run jobs later; the registry is this process's, so look before them.
    const text = await scrape(metricsUrl);
    for (const tier of KNOWN_TIERS) {
      for (const name of ["kinema_claims_total", "kinema_queue_wait_seconds_count", "kinema_job_end_to_end_seconds_count"]) {
        expect(text, `${name} ${tier}`).toMatch(new RegExp(`^${name}\\{tier="${tier}"\\} 0$`, "m"));
      }
    }
    for (const stage of KNOWN_STAGES) expect(text, stage).toMatch(new RegExp(`^kinema_stage_seconds_count\\{stage="${stage}"\\} 0$`, "m"));
    expect(text).toMatch(/^kinema_jobs_total\{status="SUCCEEDED",code="none"\} 0$/m);
  });

  it("serves the Prometheus text format with every metric named", async () => {
    const text = await scrape(metricsUrl);
    for (const name of [
      "kinema_queue_wait_seconds", "kinema_job_end_to_end_seconds", "kinema_denoise_step_seconds", "kinema_jobs_total",
      "kinema_nan_events_total", "kinema_postfilter_blocks_total", "kinema_provenance_failures_total", "kinema_claims_total",
      "kinema_lease_losses_total", "kinema_active_workers", "kinema_jobs_running", "kinema_stage_seconds",
    ]) expect(text).toContain(`# TYPE ${name} `);
    await waitFor(async () => metricValue(await scrape(metricsUrl), "kinema_active_workers") === 1, 5_000, "the worker to start");
  });

  it("moves claims, queue waits, end-to-end times and outcomes as jobs run", async () => {
    const before = await scrape(metricsUrl);
    const { id: accountId } = await app.account("PLUS");
    const ok = await insertJob(accountId, "PLUS", "a fine clip", 7);
    const nan = await insertJob(accountId, "PLUS", "nan please");
    const unsigned = await insertJob(accountId, "FREE", "unsigned clip");
    const blocked = await insertJob(accountId, "FREE", "blocked clip");
    for (const id of [ok, nan, unsigned, blocked]) {
      await waitFor(async () => ["SUCCEEDED", "FAILED", "BLOCKED"].includes(await statusOf(id)), 20_000, `job ${id} to end`);
    }
    const after = await waitFor(async () => {
      const text = await scrape(metricsUrl);
      // The running gauge falls when the worker's run() returns, after the outcome's counter and the job's
      // object removal: a scrape between the two sees the job counted and still running.
      return metricValue(text, "kinema_jobs_total") - metricValue(before, "kinema_jobs_total") >= 4
        && metricValue(text, "kinema_jobs_running") === 0 ? text : null;
    }, 5_000, "the counters");
    const delta = (name: string, labels: Record<string, string> = {}) => metricValue(after, name, labels) - metricValue(before, name, labels);

    expect(delta("kinema_claims_total", { tier: "PLUS" })).toBe(2);
    expect(delta("kinema_claims_total", { tier: "FREE" })).toBe(2);
    expect(delta("kinema_queue_wait_seconds_count", { tier: "PLUS" })).toBe(2);
    expect(delta("kinema_queue_wait_seconds_count", { tier: "FREE" })).toBe(2);
    // The job created 7 s ago waited at least 7 s: it is not in the 5 s bucket, it is in the 10 s one.
    expect(delta("kinema_queue_wait_seconds_bucket", { tier: "PLUS", le: "5" })).toBe(1);
    expect(delta("kinema_queue_wait_seconds_bucket", { tier: "PLUS", le: "10" })).toBe(2);
    expect(delta("kinema_queue_wait_seconds_sum", { tier: "PLUS" })).toBeGreaterThanOrEqual(7);
    expect(delta("kinema_job_end_to_end_seconds_count", { tier: "PLUS" })).toBe(1);
    expect(delta("kinema_job_end_to_end_seconds_sum", { tier: "PLUS" })).toBeGreaterThanOrEqual(7);
    expect(delta("kinema_job_end_to_end_seconds_count", { tier: "FREE" })).toBe(0);
    expect(delta("kinema_jobs_total", { status: "SUCCEEDED", code: "none" })).toBe(1);
    expect(delta("kinema_stage_seconds_count")).toBeGreaterThanOrEqual(1); // the delivered job's stages
    expect(delta("kinema_jobs_total", { status: "FAILED", code: "NAN_DETECTED" })).toBe(1);
    expect(delta("kinema_jobs_total", { status: "FAILED", code: "PROVENANCE_INVALID" })).toBe(1);
    expect(delta("kinema_jobs_total", { status: "BLOCKED", code: "CONTENT_BLOCKED" })).toBe(1);
    expect(delta("kinema_nan_events_total")).toBe(1);
    expect(delta("kinema_provenance_failures_total")).toBe(1);
    expect(delta("kinema_postfilter_blocks_total", { category: "NSFW" })).toBe(1);
    expect(metricValue(after, "kinema_jobs_running")).toBe(0);
  });

  it("labels step durations by model and latent shape", async () => {
    observeStep("synthetic-model", [16, 3, 9, 16], 40);
    const text = await scrape(metricsUrl);
    expect(metricValue(text, "kinema_denoise_step_seconds_count", { model: "synthetic-model", latent: "16x3x9x16" })).toBe(1);
    expect(metricValue(text, "kinema_denoise_step_seconds_bucket", { model: "synthetic-model", latent: "16x3x9x16", le: "0.025" })).toBe(0);
    expect(metricValue(text, "kinema_denoise_step_seconds_bucket", { model: "synthetic-model", latent: "16x3x9x16", le: "0.05" })).toBe(1);
  });
});

describe("/metrics on a worker process", () => {
  it("counts the process's claims and finished jobs", async () => {
    // The worker binds port 0 and logs the port it got (info level), so no other process can take it first.
    const worker = spawnWorker(db.url, "metrics-worker", { KINEMA_METRICS_PORT: "0", LOG_LEVEL: "info", TEST_MS_PER_STEP: "1" });
    try {
      const port = await worker.metricsPort;
      const url = `http://127.0.0.1:${port}/metrics`;
      const first = await waitFor(async () => {
        const text = await fetch(url).then((r) => r.text(), () => null);
        return text && metricValue(text, "kinema_active_workers") === 1 ? text : null;
      }, 30_000, "the worker's metrics server");
      expect(metricValue(first, "kinema_claims_total")).toBe(0);
      await insertJobs(pool, 3, 5);
      const text = await waitFor(async () => {
        const t = await scrape(url);
        // The runner counts the terminal state at the fenced completion; the worker observes the end-to-end
        // time once the job's objects are removed, a moment later: wait for both.
        const done = metricValue(t, "kinema_jobs_total", { status: "SUCCEEDED" }) === 3 && metricValue(t, "kinema_job_end_to_end_seconds_count", { tier: "FREE" }) === 3;
        return done ? t : null;
      }, 30_000, "three jobs done and timed end to end");
      expect(metricValue(text, "kinema_claims_total", { tier: "FREE" })).toBe(3);
      expect(metricValue(text, "kinema_queue_wait_seconds_count", { tier: "FREE" })).toBe(3);
      expect(metricValue(text, "kinema_job_end_to_end_seconds_count", { tier: "FREE" })).toBe(3);
      expect(metricValue(text, "kinema_lease_losses_total")).toBe(0);
      expect(text).toContain("kinema_process_cpu_seconds_total");
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }
  });
});

describe("step durations from the real denoiser", () => {
  it("observes every executed step under the model and the latent shape it ran at", async () => {
    const app = await startEngineKinema(db.url);
    const server = await startMetricsServer(0, "127.0.0.1");
    try {
      const { client } = await app.account("FREE");
      const { generateVideo } = await client.data(GENERATE, { input: { prompt: "a red circle moving left", durationSeconds: 1, resolution: "R480P", seed: 5 } });
      const id = generateVideo.job.id as string;
      await waitFor(async () => (await statusOf(id)) === "SUCCEEDED", 120_000, "the generation"); // a wait, not a limit
      const { rows: [row] } = await pool.query("SELECT metadata->'denoise' AS d FROM jobs WHERE id = $1", [id]);
      const latent = (row.d.latent as number[]).join("x");
      // The worker observes end-to-end time once its run() returns, a moment after the SUCCEEDED write
      // this test polls for: wait for that observation rather than race it (CI under load lost the race).
      const metrics = `http://127.0.0.1:${server.port}/metrics`;
      await waitFor(async () => metricValue(await scrape(metrics), "kinema_job_end_to_end_seconds_count", { tier: "FREE" }) >= 1,
        10_000, "the end-to-end observation");
      const text = await scrape(metrics);
      expect(metricValue(text, "kinema_denoise_step_seconds_count", { model: "kinema-tiny", latent })).toBe(30);
      expect(metricValue(text, "kinema_denoise_step_seconds_sum", { model: "kinema-tiny", latent })).toBeCloseTo(
        (row.d.stepMs as number[]).reduce((a, b) => a + b, 0) / 1000, 1);
      expect(metricValue(text, "kinema_job_end_to_end_seconds_count", { tier: "FREE" })).toBeGreaterThanOrEqual(1);
    } finally {
      await server.close();
      await app.stop();
    }
  }, 180_000);
});
