// Progress fan-out benchmark: 1,000 `jobProgress` subscribers, one graphql-ws socket each, on one API
// process (a child, bench/lib/progress-server.ts, so its memory is its own). This process opens the
// sockets and acts as the worker through the real JobQueue, timing each step write from just before
// `progress()` to the subscriber's receipt of that step. The last stdout line is one JSON object.
//
// Under the scheduler as it is (weighted fair share, a burst cap of 3 RUNNING jobs per FREE account, in
// the claim): the jobs are spread over ACCOUNTS accounts, each subscriber watching a job of its own
// account with its own key, and every lane finishes (complete()) what it claims, as a worker does. The
// claim and the caps are the production ones, not raised in this database: raising them would time a
// configuration nobody runs. (All jobs in one account and never finished stopped the bench at "claimed 3
// of 1000 jobs" once the cap entered the claim.) Sockets stay open after their job ends, so all of them
// are up for the whole run, as before.
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createPool } from "../src/db/pool.js";
import { PgEventBus } from "../src/events/pg.js";
import { JobQueue, type QueueConfig } from "../src/queue/queue.js";
import type { Lease } from "../src/queue/types.js";
import { createBenchDatabase, insertJobs } from "./lib/db.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { deferred, percentile, round, sleep, table, withTimeout } from "./lib/stats.js";

const QUICK = isQuick();
const SUBSCRIBERS = benchSize("BENCH_SUBSCRIBERS", { full: 1000, quick: 60 });
const STEPS = benchSize("BENCH_STEPS", { full: 6, quick: 6 }); // step writes per job: SUBSCRIBERS * STEPS samples
const LANES = benchSize("BENCH_LANES", { full: 8, quick: 8 }); // jobs being stepped at once, like 8 GPUs
// 10 jobs an account: more than the FREE burst cap (3), so each account's jobs queue behind its running
// ones as in production, and enough accounts (100) that 8 lanes always find a claimable job.
const ACCOUNTS = benchSize("BENCH_ACCOUNTS", { full: Math.ceil(SUBSCRIBERS / 10), quick: Math.ceil(SUBSCRIBERS / 10) });
const CLAIM_STALL_MS = 15_000; // no claim anywhere for this long: the scheduler holds the rest; fail, don't hang
const STEP_GAP_MS = Number(process.env.BENCH_STEP_GAP_MS ?? 15); // mean pause between a lane's steps
const CONNECT_BATCH = 50; // sockets opened at once, so the handshakes do not all time out together
const SERVER_SCRIPT = fileURLToPath(new URL("./lib/progress-server.ts", import.meta.url));
const SUBSCRIPTION = `subscription($id: ID!) { jobProgress(id: $id) { step stage status } }`;

const queueConfig: QueueConfig = {
  leaseMs: 120_000, heartbeatMs: 10_000, pollMs: 50, sweepMs: 5_000, maxAttempts: 3, retryBaseMs: 50, retryMaxMs: 200,
};

type ServerMessage = { type: string; [k: string]: unknown };

/** The API child: JSON lines both ways. `request` sends a command and waits for the reply of `replyType`. */
function startServer(databaseUrl: string) {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", SERVER_SCRIPT], {
    env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_ACCOUNTS: String(ACCOUNTS) }, stdio: ["pipe", "pipe", "inherit"],
  });
  const waiting = new Map<string, (m: ServerMessage) => void>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const message = JSON.parse(line) as ServerMessage;
    waiting.get(message.type)?.(message);
    waiting.delete(message.type);
  });
  const next = (type: string) => withTimeout(new Promise<ServerMessage>((resolve) => waiting.set(type, resolve)), 60_000, `server ${type}`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    ready: next("ready"),
    request(command: string, replyType: string) {
      const reply = next(replyType);
      child.stdin!.write(`${JSON.stringify({ type: command })}\n`);
      return reply;
    },
    async stop() {
      if (child.exitCode === null) await this.request("stop", "stopped").catch(() => child.kill());
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const began = performance.now();
  const db = await createBenchDatabase({ kinema: true });
  const server = startServer(db.url);
  const pool = createPool(db.url, LANES + 4);
  const clients: Client[] = [];
  let bus: PgEventBus | null = null;
  try {
    const ready = await server.ready;
    const wsUrl = String(ready.url).replace(/^http/, "ws");
    bus = await PgEventBus.connect(db.url, pool);
    const queue = new JobQueue(pool, bus, queueConfig);
    const accounts = ready.accounts as { id: string; key: string }[];
    const keyOf = new Map(accounts.map((a) => [a.id, a.key]));
    await insertJobs(pool, accounts.map((a) => a.id), SUBSCRIBERS, STEPS);
    await pool.query("ANALYZE jobs");
    const { rows: jobs } = await pool.query<{ id: string; account_id: string }>(`SELECT id, account_id FROM jobs ORDER BY created_at, id`);
    const jobIds = jobs.map((j) => j.id);
    const accountOf = new Map(jobs.map((j) => [j.id, j.account_id]));

    // Receipts: every step sent and not yet seen, per job. A receipt of step s settles every pending
    // step <= s, since a subscriber that sees s knows the earlier ones (the hub may merge a burst).
    const pending = new Map<string, Map<number, number>>(jobIds.map((id) => [id, new Map()]));
    const samples: number[] = [];
    let merged = 0;
    let messages = 0;
    let ended = 0; // subscriptions the server completed (their job reached SUCCEEDED)
    const onData = (jobId: string, p: { step: number; status: string }) => {
      const now = performance.now();
      messages++;
      const waiting = pending.get(jobId)!;
      for (const [step, sentAt] of waiting) {
        if (step > p.step) continue;
        samples.push(now - sentAt);
        if (step < p.step) merged++;
        waiting.delete(step);
      }
    };

    const baseline = await server.request("memory", "memory");
    const connectStarted = performance.now();
    for (let i = 0; i < SUBSCRIBERS; i += CONNECT_BATCH) {
      await Promise.all(jobIds.slice(i, i + CONNECT_BATCH).map((jobId) => {
        const client = createClient({
          url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${keyOf.get(accountOf.get(jobId)!)!}` },
          retryAttempts: 0, lazy: true, lazyCloseTimeout: 600_000, // the socket outlives its finished job
        });
        clients.push(client);
        const first = deferred();
        client.subscribe<{ jobProgress: { step: number; stage: string; status: string } }>({ query: SUBSCRIPTION, variables: { id: jobId } }, {
          next: (value) => {
            if (value.errors?.length) return first.reject(new Error(value.errors[0]!.message));
            onData(jobId, value.data!.jobProgress);
            first.resolve();
          },
          error: (error) => first.reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => { ended++; },
        });
        return withTimeout(first.promise, 30_000, `first event for ${jobId}`);
      }));
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await sleep(500); // queue-position refreshes triggered by the subscriptions settle
    const established = await server.request("memory", "memory");
    const heapPer = (Number(established.heapUsed) - Number(baseline.heapUsed)) / SUBSCRIBERS;
    const rssPer = (Number(established.rss) - Number(baseline.rss)) / SUBSCRIBERS;
    console.log(`${SUBSCRIBERS} subscriptions established in ${connectSeconds.toFixed(1)} s (one socket each)`);

    // Lanes claim the next job the scheduler gives them (as a worker would), step it and complete it:
    // each claim moves the queue, so the API re-ranks every still-queued watcher while other jobs' steps
    // are in flight. A claim can find nothing while jobs are still queued (near the end, every remaining
    // job's account may be at its burst cap until a lane completes one): the lane polls like a worker.
    const stepStarted = performance.now();
    const loop = monitorEventLoopDelay({ resolution: 5 }); // this process's own delay adds to every receipt
    loop.enable();
    let claimed = 0;
    let emptyClaims = 0;
    let lastClaimAt = performance.now();
    await Promise.all(Array.from({ length: LANES }, async (_, lane) => {
      while (claimed < SUBSCRIBERS) {
        const job = await queue.claim(`bench-${lane}`);
        if (!job) {
          if (performance.now() - lastClaimAt > CLAIM_STALL_MS) {
            throw new Error(`claimed ${claimed} of ${SUBSCRIBERS} jobs: no claim succeeded for ${CLAIM_STALL_MS / 1000} s (the scheduler holds the rest back)`);
          }
          emptyClaims++;
          await sleep(queueConfig.pollMs);
          continue;
        }
        claimed++;
        lastClaimAt = performance.now();
        const lease: Lease = { jobId: job.id, fencingToken: job.fencingToken };
        for (let step = 1; step <= STEPS; step++) {
          pending.get(lease.jobId)!.set(step, performance.now());
          await queue.progress(lease, { stage: "DENOISING", stepsCompleted: step }, STEPS);
          await sleep(Math.random() * 2 * STEP_GAP_MS);
        }
        await queue.complete(lease, { key: `videos/${job.id}.mp4`, bench: true }, {});
      }
    }));
    if (claimed !== SUBSCRIBERS) throw new Error(`claimed ${claimed} of ${SUBSCRIBERS} jobs`);
    const writeSeconds = (performance.now() - stepStarted) / 1000;
    const apiLoad = await server.request("memory", "memory"); // the API's event loop and CPU during the steps
    loop.disable();
    const deadline = Date.now() + 10_000;
    while (([...pending.values()].some((m) => m.size > 0) || ended < SUBSCRIBERS) && Date.now() < deadline) await sleep(20);
    const lost = [...pending.values()].reduce((n, m) => n + m.size, 0);

    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    console.log(`step writes: ${SUBSCRIBERS * STEPS} in ${writeSeconds.toFixed(1)} s over ${LANES} lanes (${round(SUBSCRIBERS * STEPS / writeSeconds, 0)}/s), interleaved with ${SUBSCRIBERS} claims `
      + `and completions (${emptyClaims} claims found nothing claimable); ${messages} messages received in all; ${ended} subscriptions ended with their job`);
    console.log(table(["measure", "value"], [
      ["subscribers (one socket each)", SUBSCRIBERS],
      ["accounts (FREE, burst cap 3)", ACCOUNTS],
      ["samples", samples.length],
      ["  of which settled by a later step", merged],
      ["  never received", lost],
      ["step-to-receipt p50 (ms)", round(p50)],
      ["step-to-receipt p99 (ms)", round(p99)],
      ["step-to-receipt max (ms)", round(Math.max(...samples))],
      ["API event-loop delay p99 / max (ms)", `${round(Number(apiLoad.loopDelayP99Ms))} / ${round(Number(apiLoad.loopDelayMaxMs))}`],
      ["API CPU busy during steps (%)", round(Number(apiLoad.cpuMs) / (writeSeconds * 10), 0)],
      ["bench event-loop delay p99 / max (ms)", `${round(loop.percentile(99) / 1e6)} / ${round(loop.max / 1e6)}`],
      ["API heap per subscriber (bytes)", round(heapPer, 0)],
      ["API rss per subscriber (bytes)", round(rssPer, 0)],
    ]));
    console.log(`API process: separate child, memory after ${ready.gc ? "a forced gc (--expose-gc)" : "no forced gc"}; the sockets' client side runs in this process.`);
    console.log(`${QUICK ? "quick run (sizes too small to judge the goal); " : ""}goal p99 < 50 ms: ${p99 < 50 ? "met" : "MISSED"}; total ${((performance.now() - began) / 1000).toFixed(1)} s`);
    console.log(JSON.stringify({
      bench: "progress", quick: QUICK, subscribers: SUBSCRIBERS, sockets: SUBSCRIBERS, accounts: ACCOUNTS, samples: samples.length, samples_settled_by_later_step: merged, samples_lost: lost,
      step_to_receipt_p50_ms: round(p50), step_to_receipt_p99_ms: round(p99), step_to_receipt_max_ms: round(Math.max(...samples)),
      step_writes_per_s: round(SUBSCRIBERS * STEPS / writeSeconds, 0),
      api_heap_bytes_per_subscriber: round(heapPer, 0), api_rss_bytes_per_subscriber: round(rssPer, 0),
      messages_received: messages, subscriptions_ended: ended, empty_claims: emptyClaims, api_loop_delay_p99_ms: round(Number(apiLoad.loopDelayP99Ms)),
      api_loop_delay_max_ms: round(Number(apiLoad.loopDelayMaxMs)), bench_loop_delay_p99_ms: round(loop.percentile(99) / 1e6), connect_seconds: round(connectSeconds, 1), step_phase_seconds: round(writeSeconds, 1),
      total_seconds: round((performance.now() - began) / 1000, 1),
    }));
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await server.stop();
    await bus?.close();
    await pool.end();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);
