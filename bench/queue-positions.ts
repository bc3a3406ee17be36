// Queue positions benchmark: what one refresh of an API process's live positions costs the database
// (queuePositions for every watched queued job, src/queue/sql/queuePositions.ts; the API runs it at most
// once a second while the queue moves). A fresh database holds BENCH_POSITIONS_FINISHED finished jobs (the
// history a seq scan would also read) and BENCH_POSITIONS_QUEUED queued ones over 64 accounts, 30% PLUS;
// BENCH_POSITIONS_WATCHED watched jobs are spread over the older half of the queue (as bench:fleet
// watches the jobs its window runs). Also checks the batch's positions against the per-job statement.
// Prints a table; the last stdout line is one JSON object. --quick: small sizes, the same code paths.
import pg from "pg";
import { queuePositions } from "../src/queue/sql/queuePositions.js";
import { insertAccount, insertJobs, withBenchDatabase } from "./lib/db.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { percentile, round, table } from "./lib/stats.js";

const QUICK = isQuick();
const FINISHED = benchSize("BENCH_POSITIONS_FINISHED", { full: 20_000, quick: 500 });
const QUEUED = benchSize("BENCH_POSITIONS_QUEUED", { full: 6_000, quick: 300 });
const WATCHED = benchSize("BENCH_POSITIONS_WATCHED", { full: 400, quick: 20 });
const CALLS = benchSize("BENCH_POSITIONS_CALLS", { full: 20, quick: 3 });

const started = performance.now();
const result = await withBenchDatabase(true, async (db) => {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    const accounts = await Promise.all(Array.from({ length: 64 }, () => insertAccount(pool)));
    const old = await insertJobs(pool, accounts, FINISHED);
    await pool.query(`UPDATE jobs SET status = 'SUCCEEDED', stage = 'DONE', finished_at = now() WHERE id = ANY($1::uuid[])`, [old]);
    const queued = await insertJobs(pool, accounts, QUEUED);
    await pool.query(`UPDATE jobs SET tier = 'PLUS' WHERE status = 'QUEUED' AND random() < 0.3`);
    await pool.query("VACUUM ANALYZE jobs");
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY created_at, id`, [queued]);
    const span = Math.ceil(rows.length / 2);
    const watched = Array.from({ length: Math.min(WATCHED, span) }, (_, i) => rows[Math.floor((i * span) / Math.min(WATCHED, span))]!.id);
    const ms: number[] = [];
    let positions = new Map<string, number>();
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      positions = await queuePositions(pool, watched);
      ms.push(performance.now() - t);
    }
    // The batch's answer must be the per-job statement's (checked on a sample: each costs the jobs ahead).
    const sample = watched.filter((_, i) => i % Math.max(1, Math.floor(watched.length / 20)) === 0);
    let mismatches = 0;
    for (const id of sample) if ((await queuePositions(pool, [id])).get(id) !== positions.get(id)) mismatches++;
    return { ms, answered: positions.size, watched: watched.length, checked: sample.length, mismatches };
  } finally {
    await pool.end();
  }
});

const p50 = percentile(result.ms, 50);
const p99 = percentile(result.ms, 99);
console.log(`queue positions: ${result.watched} watched of ${QUEUED} queued (${FINISHED} finished), ${CALLS} refreshes`);
console.log(table(["refresh ms p50", "p99", "answered", "checked against per-job", "mismatches"],
  [[round(p50), round(p99), result.answered, result.checked, result.mismatches]]));
if (result.mismatches > 0 || result.answered !== result.watched) process.exitCode = 1;
console.log(JSON.stringify({
  bench: "queue-positions", quick: QUICK, queued: QUEUED, finished: FINISHED, watched: result.watched, calls: CALLS,
  refresh_ms_p50: round(p50), refresh_ms_p99: round(p99), answered: result.answered, mismatches: result.mismatches,
  total_seconds: round((performance.now() - started) / 1000, 1),
}));
