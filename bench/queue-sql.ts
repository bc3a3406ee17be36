// The queue's SQL alone: Kinema's claim call and completion statement (the very texts src/queue/sql runs,
// CLAIM and COMPLETE) as one claim + completion pair per transaction pair, driven by pgbench, a C client,
// so only the database's work counts: no driver, no event loop, no Worker. Set beside bench:queue's
// kinema_jobs_per_s_c1 (the same pair through the real Worker), it splits a job's cost between the
// database and the process, and it is the figure to compare a change to the SQL by (what it measures
// moves less than bench:queue's jobs/s, which carry the Worker's and the driver's variance too).
// What differs from production: no NOTIFY (the channel is NULL: nobody listens), and the pair runs back
// to back in one client instead of overlapping.
//
// Each round inserts its own queued jobs (FREE, 64 accounts, as bench:queue), VACUUMs, and runs pgbench
// -M prepared at 1 client, then at 4 (-j 2). Prints a table; the last stdout line is one JSON object.
// Without pgbench (a machine with Node.js only) it says so in that JSON and exits 0.
// BENCH_PAIRS scales the runs; --quick (or BENCH_QUICK=1) runs one small round.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { CLAIM } from "../src/queue/sql/claimJob.js";
import { COMPLETE } from "../src/queue/sql/finishJob.js";
import { insertAccount, insertJobs, withBenchDatabase } from "./lib/db.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { percentile, round, table } from "./lib/stats.js";

const run = promisify(execFile);
const QUICK = isQuick();
const PAIRS = benchSize("BENCH_PAIRS", { full: 3000, quick: 200 }); // per client count, per round
const ROUNDS = benchSize("BENCH_REPEAT", { full: 3, quick: 1 });
const CLIENTS = [1, 4] as const;

/** pgbench on PATH, else PostgreSQL's Debian layout; null when neither has it. */
function findPgbench(): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, "pgbench"))) return join(dir, "pgbench");
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "pgbench"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin", "pgbench") : null;
}

/** A statement's $n replaced by pgbench's text (its :variables become parameters under -M prepared). */
function bind(text: string, values: Record<number, string>): string {
  // The text is folded onto one line for pgbench: a `--` comment would swallow the rest of it.
  if (text.includes("--")) throw new Error("a statement with a -- comment cannot be folded onto one line for pgbench");
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = values[Number(n)];
    if (value === undefined) throw new Error(`no pgbench value for $${n}`);
    return value;
  }).replace(/\s+/g, " ").trim();
}

/** The pair: claim one job for this client (its id and token into :jid, :tok), then complete it. */
function pairScript(): string {
  const claim = bind(CLAIM, {
    1: "ARRAY['bench-' || :client_id::text]", 2: "30000", 3: "'DENOISING'", 4: "0", 5: "0", 6: "NULL",
  });
  const complete = bind(COMPLETE, {
    1: "jsonb_build_array(jsonb_build_object('id', :jid::uuid, 'token', :tok::bigint, 'video', NULL, 'metadata', '{}'::jsonb))",
    2: "NULL",
  });
  return `SELECT c.id AS jid, c.fencing_token AS tok FROM (${claim}) c \\gset\n${complete};\n`;
}

interface PgbenchRun { tps: number; latencyMs: number }

async function pgbench(binary: string, url: string, script: string, clients: number, transactions: number): Promise<PgbenchRun> {
  const args = ["-n", "-M", "prepared", "-c", String(clients), "-j", String(Math.min(clients, 2)), "-t", String(transactions), "-f", script, url];
  const { stdout } = await run(binary, args, { maxBuffer: 1 << 20 });
  const tps = /tps = ([\d.]+)/.exec(stdout);
  const latency = /latency average = ([\d.]+) ms/.exec(stdout);
  if (!tps || !latency) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return { tps: Number(tps[1]), latencyMs: Number(latency[1]) };
}

async function measureRound(binary: string, script: string): Promise<Record<number, PgbenchRun>> {
  return withBenchDatabase(true, async (db) => {
    const setup = new pg.Client({ connectionString: db.url });
    await setup.connect();
    try {
      const accounts = await Promise.all(Array.from({ length: 64 }, () => insertAccount(setup)));
      // Enough for every run and a margin: a claim that finds nothing would end pgbench's \gset in an error.
      await insertJobs(setup, accounts, CLIENTS.reduce((n, c) => n + c * Math.ceil(PAIRS / c), 0) + 100);
      const out: Record<number, PgbenchRun> = {};
      for (const clients of CLIENTS) {
        await setup.query("VACUUM ANALYZE jobs"); // each run starts without the last one's dead index entries
        await setup.query("VACUUM ANALYZE job_events");
        out[clients] = await pgbench(binary, db.url, script, clients, Math.ceil(PAIRS / clients));
      }
      return out;
    } finally {
      await setup.end();
    }
  });
}

async function main(): Promise<void> {
  const binary = findPgbench();
  if (!binary) {
    console.log("pgbench not found (PostgreSQL's client tools): nothing measured");
    console.log(JSON.stringify({ bench: "queue-sql", quick: QUICK, skipped: "pgbench not found" }));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "kinema-queue-sql-"));
  try {
    const script = join(dir, "pair.sql");
    writeFileSync(script, pairScript());
    const rounds: Record<number, PgbenchRun>[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const result = await measureRound(binary, script);
      rounds.push(result);
      console.log(`  round ${r}: ${CLIENTS.map((c) => `c${c} ${Math.round(result[c]!.tps)} pairs/s`).join(", ")}`);
    }
    const median = (c: number, key: keyof PgbenchRun) => percentile(rounds.map((r) => r[c]![key]), 50);
    console.log(`\nclaim + completion pairs through pgbench (median of ${ROUNDS}; ${PAIRS} pairs a run)`);
    console.log(table(["clients", "pairs/s", "latency ms"], CLIENTS.map((c) => [c, Math.round(median(c, "tps")), round(median(c, "latencyMs"), 3)])));
    console.log(JSON.stringify({
      bench: "queue-sql", quick: QUICK, pgbench: binary,
      ...Object.fromEntries(CLIENTS.flatMap((c) => [[`pairs_per_s_c${c}`, round(median(c, "tps"), 1)], [`latency_ms_c${c}`, round(median(c, "latencyMs"), 3)]])),
      pairs_per_run: PAIRS, rounds: ROUNDS,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
