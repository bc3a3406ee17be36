// Key revocation and progress fan-out on open sockets (issue 21): ACCOUNTS accounts, each with
// SOCKETS_PER_ACCOUNT graphql-ws sockets subscribed to the same queued job of that account. Measures
// (1) job-row reads per event with that many subscribers on each job (the hub shares one read per event),
// and (2) the time from a revocation made behind the API's back (SQL, as another API process or an
// operator would) to each socket's 4403 close, which bounds how long a revoked key keeps working.
// The last stdout line is one JSON object.
import WebSocket from "ws";
import { startKinema } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/log.js";
import { createBenchDatabase, insertJobs } from "./lib/db.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { percentile, round, sleep, table, withTimeout } from "./lib/stats.js";

// --quick (or BENCH_QUICK=1, bench/lib/quick.ts): 4 accounts of 3 sockets, 2 events a job.
const ACCOUNTS = benchSize("BENCH_ACCOUNTS", { full: 20, quick: 4 });
const SOCKETS_PER_ACCOUNT = benchSize("BENCH_SOCKETS_PER_ACCOUNT", { full: 10, quick: 3 });
const EVENTS = benchSize("BENCH_EVENTS", { full: 5, quick: 2 }); // re-read events per job
const SUBSCRIPTION = `subscription($id: ID!) { jobProgress(id: $id) { status } }`;

interface Watcher { ws: WebSocket; events: number; closed: Promise<{ code: number; at: number }> }

function watch(url: string, key: string, jobId: string): Promise<Watcher> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
  const watcher: Watcher = { ws, events: 0, closed: new Promise((resolve) => ws.once("close", (code) => resolve({ code, at: performance.now() }))) };
  return new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${key}` } })));
    ws.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "connection_ack") ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: SUBSCRIPTION, variables: { id: jobId } } }));
      if (message.type === "next" && ++watcher.events === 1) resolve(watcher);
      if (message.type === "error") reject(new Error(JSON.stringify(message.payload)));
    });
  });
}

async function main(): Promise<void> {
  const db = await createBenchDatabase({ kinema: true });
  const config = loadConfig({
    DATABASE_URL: db.url, PORT: "0", KINEMA_EMBEDDED_WORKER: "false",
    KINEMA_WS_MAX_PER_ACCOUNT: String(SOCKETS_PER_ACCOUNT), KINEMA_WS_MAX_PER_ADDRESS: String(ACCOUNTS * SOCKETS_PER_ACCOUNT),
  });
  process.env.LOG_LEVEL ??= "silent";
  const kinema = await startKinema({ config, log: createLogger("bench"), api: true, workers: 0, stages: [] });
  const watchers: Watcher[] = [];
  try {
    const accounts = await Promise.all(Array.from({ length: ACCOUNTS }, () => kinema.accounts.create({ name: "bench", tier: "FREE" })));
    const jobs: string[] = [];
    for (const { account } of accounts) jobs.push(...(await insertJobs(kinema.pool, account.id, 1, 10)));
    for (let a = 0; a < ACCOUNTS; a++) {
      const batch = Array.from({ length: SOCKETS_PER_ACCOUNT }, () => watch(kinema.api!.url, accounts[a]!.apiKey, jobs[a]!));
      watchers.push(...(await withTimeout(Promise.all(batch), 30_000, "sockets")));
    }
    await sleep(2_500); // the subscriptions' own first reads and position refreshes settle

    // (1) Fan-out: count the hub's row reads while every job gets EVENTS re-read events.
    let reads = 0;
    const getById = kinema.jobs.getById.bind(kinema.jobs);
    kinema.jobs.getById = (id: string) => { reads++; return getById(id); };
    for (let e = 0; e < EVENTS; e++) {
      for (const jobId of jobs) await kinema.bus.publish({ kind: "job", jobId, status: "QUEUED", stage: "QUEUED" });
      await sleep(200);
    }
    await sleep(1_000);
    const readsPerEvent = reads / (EVENTS * jobs.length);

    // (2) Revocation behind the API's back: every key at once.
    const revokedAt = performance.now();
    await kinema.pool.query(`UPDATE api_keys SET revoked_at = now()`);
    const closes = await withTimeout(Promise.all(watchers.map((w) => w.closed)), 30_000, "every socket to close");
    const latencies = closes.map((c) => c.at - revokedAt);
    const with4403 = closes.filter((c) => c.code === 4403).length;
    // The subscriptions end on the server too (graphql-ws returns each iterator when its socket closes).
    while (kinema.progress!.subscriberCount > 0 && performance.now() - revokedAt < 30_000) await sleep(10);
    const stillSubscribed = kinema.progress!.subscriberCount;
    const serverEnded = performance.now() - revokedAt;

    console.log(table(["figure", "value"], [
      ["sockets (one subscription each)", watchers.length],
      ["subscribers per job", SOCKETS_PER_ACCOUNT],
      ["job-row reads per event (was: subscribers per job)", round(readsPerEvent, 2)],
      ["KINEMA_AUTH_CACHE_MS", config.auth.cacheMs],
      ["revocation to 4403 close p50 (ms)", round(percentile(latencies, 50), 0)],
      ["revocation to 4403 close max (ms)", round(Math.max(...latencies), 0)],
      ["closed with 4403", `${with4403} of ${watchers.length}`],
      ["revocation to every server-side subscription ended (ms)", round(serverEnded, 0)],
      ["subscriptions left on the server", stillSubscribed],
    ]));
    console.log(JSON.stringify({
      bench: "revocation", quick: isQuick(), sockets: watchers.length, subscribers_per_job: SOCKETS_PER_ACCOUNT, job_reads_per_event: round(readsPerEvent, 2),
      auth_cache_ms: config.auth.cacheMs, revoke_to_close_p50_ms: round(percentile(latencies, 50), 0),
      revoke_to_close_max_ms: round(Math.max(...latencies), 0), closed_4403: with4403,
      revoke_to_server_subscriptions_ended_ms: round(serverEnded, 0), subscriptions_left: stillSubscribed,
    }));
  } finally {
    for (const w of watchers) w.ws.terminate();
    await kinema.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);
