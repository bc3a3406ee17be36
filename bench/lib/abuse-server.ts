// The server side of bench:abuse, in a process of its own so that its memory and event loop are
// measured alone: Kinema's API (no workers) on a fresh database, three accounts and one queued job to
// subscribe to. Over IPC it answers "stats" with its RSS and heap, and the event-loop delay and CPU time since
// the last ask (CPU per request stays meaningful on a machine shared with other work; latency does not).
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../../src/config/config.js";
import { startKinema } from "../../src/app.js";
import { createLogger } from "../../src/log.js";
import { createBenchDatabase } from "./db.js";

export interface AbuseServerReady { kind: "ready"; url: string; keys: { attacker: string; plus: string; normal: string }; jobId: string }
export interface AbuseServerStats { kind: "stats"; rssBytes: number; heapBytes: number; loopP99Ms: number; loopMaxMs: number; cpuMs: number }

process.env.LOG_LEVEL ??= "silent";
const send = (message: AbuseServerReady | AbuseServerStats) => process.send!(message);

const db = await createBenchDatabase({ kinema: true });
const config = loadConfig({ DATABASE_URL: db.url, PORT: "0", KINEMA_ALARM_INTERVAL_MS: "0" });
const kinema = await startKinema({ config, log: createLogger("bench"), api: true, workers: 0, stages: [] });
const account = async (tier: "FREE" | "PLUS", name: string) => (await kinema.accounts.create({ name, tier, role: "USER" })).apiKey;
const keys = { attacker: await account("FREE", "bench-attacker"), plus: await account("PLUS", "bench-plus"), normal: await account("PLUS", "bench-normal") };
const url = kinema.api!.url;
const submitted = await fetch(url, {
  method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${keys.plus}` },
  body: JSON.stringify({ query: `mutation { generateVideo(input: { prompt: "a red circle moving left", durationSeconds: 1 }) { job { id } } }` }),
});
const jobId = ((await submitted.json()) as { data: { generateVideo: { job: { id: string } } } }).data.generateVideo.job.id;

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let cpu = process.cpuUsage();
process.on("message", async (message: { kind: string; gc?: boolean }) => {
  if (message.kind === "stats") {
    // Collected first (the process runs with --expose-gc) when asked: heap then means retained memory, a leak's measure.
    if (message.gc) (globalThis as { gc?: () => void }).gc?.();
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    send({
      kind: "stats", rssBytes: process.memoryUsage().rss, heapBytes: process.memoryUsage().heapUsed,
      loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, cpuMs: (used.user + used.system) / 1000,
    });
    loop.reset();
  } else if (message.kind === "stop") {
    loop.disable();
    await kinema.stop();
    await db.drop();
    process.exit(0);
  }
});
send({ kind: "ready", url, keys, jobId });
