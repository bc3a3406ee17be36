// bench:webhooks — webhook delivery throughput and commit-to-delivery latency. JOBS queued jobs of one
// account with ENDPOINTS endpoints (each subscribed to job.succeeded) on a healthy local receiver: the
// jobs are made SUCCEEDED at a steady RATE (batches every 100 ms, each one committed UPDATE, as workers'
// completions would be), the outbox trigger writes JOBS x ENDPOINTS deliveries, one API process sends
// them. Latency: the batch's COMMIT returning -> the receiver reading the request (the same clock).
// Goal: p99 < 1 s. Also printed: CPU per delivery (this process, sender and receiver both, and the
// database's backends), which a loaded machine changes far less than the wall-clock figures.
// --quick (BENCH_QUICK=1): 100 jobs, 3 endpoints. The last stdout line is one JSON object.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { startKinema } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/log.js";
import { generateSecret, SecretBox } from "../src/webhooks/secrets.js";
import { cpuMeter } from "./lib/cpu.js";
import { createBenchDatabase, insertJobs } from "./lib/db.js";
import { benchSize } from "./lib/quick.js";
import { percentile, round, sleep, withTimeout } from "./lib/stats.js";

const JOBS = benchSize("BENCH_JOBS", { full: 1_000, quick: 100 });
const ENDPOINTS = benchSize("BENCH_ENDPOINTS", { full: 10, quick: 3 });
const RATE = benchSize("BENCH_JOBS_PER_SECOND", { full: 200, quick: 100 });
const BATCH_MS = 100;

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  const arrivals = new Map<string, number[]>(); // job id -> arrival times (ms, performance clock)
  let received = 0;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const id = (JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string } }).data.id;
      arrivals.set(id, [...(arrivals.get(id) ?? []), at]);
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;

  const db = await createBenchDatabase({ kinema: true });
  process.env.LOG_LEVEL ??= "silent";
  const config = loadConfig({
    DATABASE_URL: db.url, PORT: "0", KINEMA_EMBEDDED_WORKER: "false", KINEMA_WEBHOOK_ALLOWED_CIDRS: "127.0.0.1/32",
    // The defaults (64 in flight, 1 s poll) unless set: the outbox trigger's NOTIFY wakes the sender, so the
    // poll interval is not in the latency (it was set to 50 ms here before migration 0017).
    ...pick(process.env, "KINEMA_WEBHOOK_CONCURRENCY", "KINEMA_WEBHOOK_POLL_MS"),
  });
  const kinema = await startKinema({ config, log: createLogger("bench"), api: true, workers: 0, stages: [] });
  try {
    const { account } = await kinema.accounts.create({ name: "bench", tier: "FREE" });
    // Endpoints through the owner's service would need a key round trip per call; SQL is the same rows.
    const { rows: [{ value: keyText }] } = await kinema.pool.query(`SELECT value FROM settings WHERE key = 'webhook_secret_key'`);
    const box = new SecretBox(Buffer.from(keyText, "base64url"));
    for (let e = 0; e < ENDPOINTS; e++) {
      await kinema.pool.query(`INSERT INTO webhook_endpoints (account_id, url, events, secret) VALUES ($1, $2, '{job.succeeded}', $3)`,
        [account.id, `http://127.0.0.1:${port}/e${e}`, box.seal(generateSecret())]);
    }
    const jobs = await insertJobs(kinema.pool, account.id, JOBS);
    const committedAt = new Map<string, number>();
    const perBatch = Math.max(1, Math.round(RATE * BATCH_MS / 1000));
    const cpu = await cpuMeter(kinema.pool);
    const started = performance.now();
    for (let i = 0; i < jobs.length; i += perBatch) {
      const batch = jobs.slice(i, i + perBatch);
      const due = started + (i / perBatch) * BATCH_MS;
      if (due > performance.now()) await sleep(due - performance.now());
      await kinema.pool.query(`UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', finished_at = now(), updated_at = now(),
          video = jsonb_build_object('key', 'videos/' || id || '.mp4', 'width', 854, 'height', 480, 'frames', 48, 'fps', 24, 'bytes', 1000)
        WHERE id = ANY($1::uuid[])`, [batch]);
      const at = performance.now();
      for (const id of batch) committedAt.set(id, at);
    }
    const expected = JOBS * ENDPOINTS;
    await withTimeout((async () => { while (received < expected) await sleep(20); })(), 300_000, "every delivery");
    const used = await cpu();
    const latencies = [...arrivals].flatMap(([id, times]) => times.map((t) => (t - committedAt.get(id)!) / 1000));
    const lastArrival = Math.max(...[...arrivals.values()].flat());
    const seconds = (lastArrival - started) / 1000;
    const p99 = percentile(latencies, 99);
    const summary = {
      bench: "webhooks", jobs: JOBS, endpoints: ENDPOINTS, deliveries: received, offeredJobsPerSecond: RATE,
      throughputPerSecond: round(received / seconds, 1), p50Seconds: round(percentile(latencies, 50), 3),
      p99Seconds: round(p99, 3), maxSeconds: round(Math.max(...latencies), 3), goalP99Seconds: 1, met: p99 < 1,
      nodeCpuMsPerDelivery: round(used.processMs / received, 3),
      databaseCpuMsPerDelivery: used.databaseMs === null ? null : round(used.databaseMs / received, 3),
      concurrency: config.webhooks.concurrency, pollMs: config.webhooks.pollMs, loadAverage1m: round(load, 1),
    };
    console.log(`deliveries ${received} in ${round(seconds, 1)} s: ${summary.throughputPerSecond}/s; commit-to-delivery p50 ${summary.p50Seconds} s, p99 ${summary.p99Seconds} s (goal < 1 s); CPU per delivery ${summary.nodeCpuMsPerDelivery} ms here, ${summary.databaseCpuMsPerDelivery ?? "?"} ms in PostgreSQL; load ${summary.loadAverage1m}`);
    console.log(JSON.stringify(summary));
  } finally {
    await kinema.stop();
    await db.drop();
    receiver.close();
  }
}

function pick(env: NodeJS.ProcessEnv, ...names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]!]] : [])));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
