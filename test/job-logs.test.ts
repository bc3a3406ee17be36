// Structured logs: every line about a job (the runner's, each stage's, a failure's) is JSON carrying the
// job id, the attempt and the fencing token of the lease it ran under.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { pino } from "pino";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor } from "./helpers/app.js";
import { insertAccount, insertRows } from "./helpers/ops.js";
import { startKinema, type Kinema } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { JobError } from "../src/queue/errors.js";
import type { Stage } from "../workers/pipeline.js";

let db: TestDatabase;
let pool: pg.Pool;
let kinema: Kinema;
const lines: Record<string, any>[] = [];

const stages: Stage[] = [
  { stage: "DENOISING", async run(ctx) { ctx.log.info({ step: 1 }, "denoising"); await ctx.progress({ stepsCompleted: 1 }); } },
  {
    stage: "UPLOADING",
    async run(ctx) {
      ctx.log.info("uploading");
      if (ctx.job.attempts === 1) throw new JobError("UPLOAD_FAILED", "the store said no", true);
      ctx.outputs.video = { key: `videos/${ctx.job.id}.mp4`, width: 1, height: 1, frames: 1, fps: 24, bytes: 1 };
    },
  },
];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  const config = loadConfig({ KINEMA_MODEL_DIR: "models/kinema-tiny", DATABASE_URL: db.url, PORT: "0", KINEMA_POLL_MS: "100", KINEMA_RETRY_BASE_MS: "10", KINEMA_RETRY_MAX_MS: "20" });
  const log = pino({ name: "test", level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  kinema = await startKinema({ config, log, api: false, workers: 1, stages });
});
afterAll(async () => {
  await kinema?.stop();
  await pool?.end();
  await db?.drop();
});

describe("job logs", () => {
  it("carry jobId, attempt and fencingToken on every job-scoped line, failures included", async () => {
    const account = await insertAccount(pool);
    const [id] = await insertRows(pool, account, [{ tier: "PLUS", status: "QUEUED", createdAgo: 0 }]);
    await waitFor(async () => (await pool.query("SELECT status FROM jobs WHERE id = $1", [id])).rows[0].status === "SUCCEEDED", 10_000, "the job");
    const { rows: [job] } = await pool.query("SELECT fencing_token, attempts FROM jobs WHERE id = $1", [id]);

    const about = lines.filter((l) => l.jobId === id);
    const failed = about.find((l) => l.msg === "job failed");
    expect(failed).toMatchObject({ attempt: 1, code: "UPLOAD_FAILED", status: "QUEUED", err: { message: "the store said no" } });
    expect(failed!.fencingToken).toEqual(expect.any(Number));
    expect(about.filter((l) => l.msg === "denoising").map((l) => [l.attempt, l.stage])).toEqual([[1, "DENOISING"], [2, "DENOISING"]]);
    expect(about.filter((l) => l.msg === "uploading").map((l) => l.attempt)).toEqual([1, 2]);
    const succeeded = about.find((l) => l.msg === "job succeeded");
    expect(succeeded).toMatchObject({ attempt: 2, fencingToken: Number(job.fencing_token), name: "test", component: "worker" });
    expect(failed!.fencingToken).toBeLessThan(succeeded!.fencingToken);
    expect(job.attempts).toBe(2);

    // No line mentions the job without the three fields.
    const mentions = lines.filter((l) => JSON.stringify(l).includes(id!));
    expect(mentions.length).toBeGreaterThanOrEqual(5);
    for (const line of mentions) expect(line, line.msg).toMatchObject({ jobId: id, attempt: expect.any(Number), fencingToken: expect.any(Number) });
  });
});
