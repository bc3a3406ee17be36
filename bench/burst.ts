// Burst benchmark: a 10x FREE rush against steady PLUS traffic, through the real API (generateVideo over
// HTTP), the real claim statement and 4 in-process Workers whose one stage sleeps a scaled clip time
// (benchmark-only: no GPU). Run twice, each in a fresh database: with weighted fair share (PLUS 2, FREE
// 1, the defaults) and with fair share off (plain FIFO over both tiers). Admission control is off in both,
// so every FREE job is queued and the rush is absorbed, not refused. Queue wait = started_at - created_at.
// Scale: 1 bench ms = SCALE real ms (default 100: a 300 ms stage is a 30 s clip; the healthy PLUS p95
// target of 20 s is 200 ms here). The last stdout line is one JSON object. --quick (or BENCH_QUICK=1)
// shortens the steady and rush phases (bench/lib/quick.ts): same scenarios, fewer jobs.
import { loadConfig } from "../src/config/config.js";
import { startKinema } from "../src/app.js";
import { createLogger } from "../src/log.js";
import type { Stage } from "../workers/pipeline.js";
import { withBenchDatabase } from "./lib/db.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { percentile, round, sleep, table } from "./lib/stats.js";

process.env.LOG_LEVEL ??= "silent";

const QUICK = isQuick();
const SCALE = benchSize("BENCH_SCALE", { full: 100, quick: 100 });
const JOB_MS = benchSize("BENCH_JOB_MS", { full: 300, quick: 300 });
const WORKERS = 4;
const PLUS_PER_S = benchSize("BENCH_PLUS_PER_S", { full: 4, quick: 4 });
const FREE_PER_S = benchSize("BENCH_FREE_PER_S", { full: 2, quick: 2 });
const RUSH_FACTOR = 10;
const STEADY_MS = QUICK ? 1_000 : 3_000;
const RUSH_MS = QUICK ? 1_000 : 4_000;
const PLUS_TARGET_REAL_S = 20;
const PLUS_ACCOUNTS = 5;
const FREE_ACCOUNTS = 40;

/** The synthetic stage: the scaled time of one clip, nothing else. */
const syntheticStage: Stage = { stage: "DENOISING", async run() { await sleep(JOB_MS); } };

interface TierFigures { jobs: number; p50Ms: number; p95Ms: number; maxMs: number; p95RealS: number }

async function scenario(fairShare: boolean): Promise<Record<"PLUS" | "FREE", TierFigures> & { wallMs: number }> {
  return withBenchDatabase(true, async (db) => {
    const config = loadConfig({ DATABASE_URL: db.url, PORT: "0", KINEMA_POLL_MS: "50", KINEMA_DB_POOL_SIZE: "12" });
    const kinema = await startKinema({ config, log: createLogger("bench"), api: true, workers: WORKERS, stages: [syntheticStage] });
    try {
      await kinema.scheduler.update({ fairShare, admissionControl: false, freeBurstCap: 3 }, { actor: "bench:burst", reason: fairShare ? "fair share" : "plain FIFO" });
      const keys = async (tier: "PLUS" | "FREE", n: number) => Promise.all(Array.from({ length: n }, async (_, i) =>
        (await kinema.accounts.create({ name: `bench-${tier}-${i}`, tier, role: "USER" })).apiKey));
      const plusKeys = await keys("PLUS", PLUS_ACCOUNTS);
      const freeKeys = await keys("FREE", FREE_ACCOUNTS);
      const url = kinema.api!.url;
      const pending: Promise<void>[] = [];
      let n = 0;
      const submit = (key: string) => pending.push(fetch(url, {
        method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: `mutation($i: GenerateVideoInput!) { generateVideo(input: $i) { job { id } userErrors { code } } }`, variables: { i: { prompt: `clip ${n++}`, durationSeconds: 1 } } }),
      }).then(async (res) => {
        const body = await res.json() as { data?: { generateVideo: { userErrors: unknown[] } } };
        if (!body.data || body.data.generateVideo.userErrors.length) throw new Error(`submission failed: ${JSON.stringify(body)}`);
      }) as Promise<void>);

      /** Poisson arrivals at `perS` per second for `ms`, spread over the tier's accounts. */
      const traffic = async (keysOf: string[], perS: () => number, until: number) => {
        let i = 0;
        while (performance.now() < until) {
          submit(keysOf[i++ % keysOf.length]!);
          await sleep(-Math.log(1 - Math.random()) * 1000 / perS());
        }
      };
      const started = performance.now();
      const rushFrom = started + STEADY_MS;
      const end = rushFrom + RUSH_MS;
      await Promise.all([
        traffic(plusKeys, () => PLUS_PER_S, end),
        traffic(freeKeys, () => (performance.now() >= rushFrom ? FREE_PER_S * RUSH_FACTOR : FREE_PER_S), end),
      ]);
      await Promise.all(pending);
      // Drain: every job finished.
      for (;;) {
        const { rows } = await kinema.pool.query(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('QUEUED', 'RUNNING')`);
        if (rows[0].n === 0) break;
        await sleep(100);
      }
      const wallMs = performance.now() - started;
      const { rows } = await kinema.pool.query<{ tier: "PLUS" | "FREE"; wait_ms: number }>(
        `SELECT tier, extract(epoch FROM started_at - created_at)::float8 * 1000 AS wait_ms FROM jobs WHERE status = 'SUCCEEDED'`);
      const figures = (tier: "PLUS" | "FREE"): TierFigures => {
        const w = rows.filter((r) => r.tier === tier).map((r) => r.wait_ms);
        const p95 = percentile(w, 95);
        return { jobs: w.length, p50Ms: round(percentile(w, 50), 0), p95Ms: round(p95, 0), maxMs: round(Math.max(...w), 0), p95RealS: round(p95 * SCALE / 1000, 1) };
      };
      return { PLUS: figures("PLUS"), FREE: figures("FREE"), wallMs: round(wallMs, 0) };
    } finally {
      await kinema.stop();
    }
  });
}

async function main(): Promise<void> {
  console.log(`bench:burst${QUICK ? " (quick)" : ""}: ${WORKERS} workers, ${JOB_MS} ms per clip (1:${SCALE}), PLUS ${PLUS_PER_S}/s steady, FREE ${FREE_PER_S}/s then ${FREE_PER_S * RUSH_FACTOR}/s for ${RUSH_MS / 1000} s after ${STEADY_MS / 1000} s`);
  const fair = await scenario(true);
  const fifo = await scenario(false);
  const targetMs = PLUS_TARGET_REAL_S * 1000 / SCALE;
  console.log(table(["scheduler", "tier", "jobs", "queue wait p50 ms", "p95 ms", "max ms", `p95 real s (x${SCALE})`], [
    ...(["PLUS", "FREE"] as const).map((t) => ["fair share 2:1", t, fair[t].jobs, fair[t].p50Ms, fair[t].p95Ms, fair[t].maxMs, fair[t].p95RealS]),
    ...(["PLUS", "FREE"] as const).map((t) => ["plain FIFO", t, fifo[t].jobs, fifo[t].p50Ms, fifo[t].p95Ms, fifo[t].maxMs, fifo[t].p95RealS]),
  ]));
  const plusHealthy = fair.PLUS.p95Ms < targetMs;
  console.log(`PLUS p95 queue wait target: < ${targetMs} ms (${PLUS_TARGET_REAL_S} s real): fair share ${plusHealthy ? "meets" : "misses"} it (${fair.PLUS.p95Ms} ms); plain FIFO ${fifo.PLUS.p95Ms} ms`);
  console.log(JSON.stringify({
    bench: "burst", quick: QUICK, workers: WORKERS, jobMs: JOB_MS, scale: SCALE, plusPerS: PLUS_PER_S, freePerS: FREE_PER_S, rushFactor: RUSH_FACTOR,
    plusP95TargetMs: targetMs, fairShare: fair, fifo, plusHealthy,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
