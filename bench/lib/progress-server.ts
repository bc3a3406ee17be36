// The API process of bench/progress.ts: Kinema with the API and no workers, against DATABASE_URL, so
// events travel over the PgEventBus as in production. It runs in its own process (started with
// --expose-gc) so its memory is not mixed with the benchmark's 1,000 client sockets. Protocol: one JSON
// object a line, commands on stdin ({"type":"memory"} | {"type":"stop"}), replies on stdout; the
// first line ("ready") carries the URL and the accounts' ids and API keys.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { startKinema } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/log.js";

process.env.LOG_LEVEL ??= "silent"; // read when the logger is created below

const send = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

const config = loadConfig({
  DATABASE_URL: process.env.DATABASE_URL, PORT: "0", KINEMA_EMBEDDED_WORKER: "false",
  // 1,000 sockets of one account from one address is this benchmark's load, not an abuse to refuse.
  KINEMA_WS_MAX_PER_ACCOUNT: "10000", KINEMA_WS_MAX_PER_ADDRESS: "100000",
  ...(process.env.KINEMA_DB_POOL_SIZE ? { KINEMA_DB_POOL_SIZE: process.env.KINEMA_DB_POOL_SIZE } : {}),
});
const kinema = await startKinema({ config, log: createLogger("bench-api"), api: true, workers: 0, stages: [] });
// BENCH_ACCOUNTS FREE accounts, one key each: every subscriber watches a job of its own account.
const accounts = await Promise.all(Array.from({ length: Number(process.env.BENCH_ACCOUNTS ?? 1) }, async (_, i) => {
  const { account, apiKey } = await kinema.accounts.create({ name: `bench-${i}`, tier: "FREE" });
  return { id: account.id, key: apiKey };
}));
send({ type: "ready", url: kinema.api!.url, accounts, gc: typeof global.gc === "function" });

// How busy this process was since the previous "memory" command: a blocked event loop delays every
// subscriber's message, so it tells whether latency is spent here or elsewhere.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let cpu = process.cpuUsage();

/** Heap and RSS after a full collection (when --expose-gc allows one), so deltas are live memory. */
async function memory() {
  const busy = { loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6, cpuMs: 0 };
  const used = process.cpuUsage(cpu);
  busy.cpuMs = (used.user + used.system) / 1000;
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((resolve) => setImmediate(resolve)); // let weak callbacks and finalizers run
  }
  const { heapUsed, rss } = process.memoryUsage();
  loop.reset();
  cpu = process.cpuUsage();
  return { heapUsed, rss, ...busy };
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const command = JSON.parse(line) as { type: string };
  if (command.type === "memory") {
    void memory().then((m) => send({ type: "memory", ...m }));
  } else if (command.type === "stop") {
    void kinema.stop().then(
      () => { send({ type: "stopped" }); process.exit(0); },
      (error: unknown) => { send({ type: "error", message: String(error) }); process.exit(1); },
    );
  }
});
