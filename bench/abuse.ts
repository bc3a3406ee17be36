// Abuse benchmark (issue 21): floods the API with the worst requests each class allows (introspection
// without and with a key, aliased expensive fields, aliased mutations, variables' defaults, huge
// documents, many sockets full of subscriptions) while a normal client keeps working, and reports the
// normal client's latency, the server's event-loop delay p99 and its RSS growth. The server runs in a
// child process (bench/lib/abuse-server.ts, so its memory and event loop are its own), the flood in
// another (bench/lib/abuse-flood.ts), the normal client here. Loopback only; every loop is bounded
// by time and by a request cap. Goal: normal client p99 under 100 ms, RSS growth under 100 MB.
// `--quick` (or BENCH_QUICK=1): small sizes, same code paths. The last stdout line is one JSON object.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AbuseServerReady, AbuseServerStats } from "./lib/abuse-server.js";
import type { FloodOrder, FloodResult } from "./lib/abuse-flood.js";
import { FLOOD_PHASES, type FloodPhase } from "./lib/abuse-shapes.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { percentile, round, sleep, table, withTimeout } from "./lib/stats.js";

const QUICK = isQuick();
const PHASE_MS = benchSize("BENCH_PHASE_MS", { full: 8_000, quick: 1_500 });
const CONCURRENCY = benchSize("BENCH_CONCURRENCY", { full: 16, quick: 4 });
const MAX_REQUESTS = QUICK ? 2_000 : 50_000; // per phase
const SOCKETS = benchSize("BENCH_SOCKETS", { full: 100, quick: 10 });
const SUBSCRIPTIONS_PER_SOCKET = benchSize("BENCH_SUBSCRIPTIONS", { full: 100, quick: 10 });
const NORMAL_PAUSE_MS = 10;
const GOAL = { normalP99Ms: 100, rssGrowthMb: 100 };
/** BENCH_PHASES=a,b,a runs only those phases, in that order (a phase listed twice runs twice: is RSS flat?). */
const PHASES = (process.env.BENCH_PHASES ? process.env.BENCH_PHASES.split(",") : [...FLOOD_PHASES]) as FloodPhase[];
for (const p of PHASES) if (!FLOOD_PHASES.includes(p)) throw new Error(`BENCH_PHASES: no phase ${p} (${FLOOD_PHASES.join(", ")})`);

const child = (name: string, flags: string[] = []) => fork(fileURLToPath(new URL(`./lib/${name}`, import.meta.url)), [], {
  execArgv: ["--import", "tsx", ...flags], env: { ...process.env, LOG_LEVEL: "silent" }, stdio: ["ignore", "inherit", "inherit", "ipc"],
});
/** BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (open it in Chrome DevTools). */
const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const server = child("abuse-server.ts", ["--expose-gc", ...profile]);
const attacker = child("abuse-flood.ts");
const attackerReady = withTimeout(new Promise((resolve) => attacker.once("message", resolve)), 120_000, "the flood process");
const messages: ((m: AbuseServerReady | AbuseServerStats) => void)[] = [];
server.on("message", (m: AbuseServerReady | AbuseServerStats) => messages.shift()?.(m));
const next = <T>() => withTimeout(new Promise<T>((resolve) => messages.push(resolve as (m: unknown) => void)), 120_000, "the abuse server");
const stats = (gc = false) => { const answer = next<AbuseServerStats>(); server.send({ kind: "stats", gc }); return answer; };

/** The normal client: one small query at a time, with its key, until `stop` is set. */
async function normalClient(url: string, key: string, until: () => boolean): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const body = JSON.stringify({ query: `{ me { id tier } jobs(first: 5) { nodes { id status stage } } }` });
  for (let i = 0; !until() && i < 100_000; i++) {
    const started = performance.now();
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body });
      const json = (await res.json()) as { errors?: unknown };
      latencies.push(performance.now() - started);
      if (res.status !== 200 || json.errors) failures++;
    } catch (error) {
      if (++failures > 20) throw error; // the server is gone
    }
    await sleep(NORMAL_PAUSE_MS);
  }
  return { latencies, failures };
}

interface PhaseFigures {
  requests: number; requestsPerS: number; normalRequests: number; normalFailures: number; normalP50Ms: number; normalP99Ms: number;
  serverLoopP99Ms: number; serverLoopMaxMs: number; serverCpuMs: number; serverCpuMsPerFloodRequest: number;
  heapMb: number; retainedHeapMb: number; rssMb: number; rssGrowthMb: number; outcomes: Record<string, number>;
  sockets?: FloodResult["sockets"];
}

/**
 * The server's CPU time net of what the normal client costs (its requests and the idle server's timers,
 * per normal request of the baseline), per flood request: a refusal's cost here, contention included.
 */
let baselineCpu = { perNormalRequestMs: 0 };

async function runPhase(phase: FloodPhase | "baseline", ready: AbuseServerReady, baselineRss: number): Promise<PhaseFigures> {
  await stats(); // resets the server's event-loop histogram
  let done = false;
  const normal = normalClient(ready.url, ready.keys.normal, () => done);
  let flood: FloodResult = { requests: 0, bytesIn: 0, outcomes: {} };
  if (phase === "baseline") await sleep(PHASE_MS);
  else {
    const result = new Promise<FloodResult>((resolve) => attacker.once("message", resolve as (m: unknown) => void));
    attacker.send({
      phase, url: ready.url, keys: ready.keys, jobId: ready.jobId, concurrency: CONCURRENCY, durationMs: PHASE_MS,
      maxRequests: MAX_REQUESTS, sockets: SOCKETS, subscriptionsPerSocket: SUBSCRIPTIONS_PER_SOCKET,
    } satisfies FloodOrder);
    flood = await withTimeout(result, PHASE_MS + 60_000, `flood ${phase}`);
  }
  done = true;
  const { latencies, failures } = await normal;
  const server = await stats();
  const retained = await stats(true); // after a full collection: what the phase left behind
  return {
    requests: flood.requests, requestsPerS: round(flood.requests / (PHASE_MS / 1000), 0), normalRequests: latencies.length, normalFailures: failures,
    normalP50Ms: round(percentile(latencies, 50), 1), normalP99Ms: round(percentile(latencies, 99), 1),
    serverLoopP99Ms: round(server.loopP99Ms, 1), serverLoopMaxMs: round(server.loopMaxMs, 1), serverCpuMs: round(server.cpuMs, 0),
    serverCpuMsPerFloodRequest: flood.requests
      ? round(Math.max(0, server.cpuMs - latencies.length * baselineCpu.perNormalRequestMs) / flood.requests, 2) : 0,
    heapMb: round(server.heapBytes / 2 ** 20, 1), retainedHeapMb: round(retained.heapBytes / 2 ** 20, 1),
    rssMb: round(server.rssBytes / 2 ** 20, 1), rssGrowthMb: round((server.rssBytes - baselineRss) / 2 ** 20, 1),
    outcomes: flood.outcomes, ...(flood.sockets ? { sockets: flood.sockets } : {}),
  };
}

let exitCode = 0;
try {
  const ready = await next<AbuseServerReady>();
  await attackerReady;
  // Warm up (JIT, pools, caches) so the baseline RSS is the server's working size, not its start-up.
  await runPhase("baseline", ready, 0);
  const baselineRss = (await stats(true)).rssBytes;
  const phases: Record<string, PhaseFigures> = { baseline: await runPhase("baseline", ready, baselineRss) };
  baselineCpu = { perNormalRequestMs: phases.baseline!.serverCpuMs / Math.max(1, phases.baseline!.normalRequests) };
  for (const [i, phase] of PHASES.entries()) {
    const name = phases[phase] ? `${phase}#${i}` : phase;
    phases[name] = await runPhase(phase, ready, baselineRss);
    console.error(`${name}: ${JSON.stringify(phases[name]!.outcomes)}${phases[name]!.sockets ? ` sockets ${JSON.stringify(phases[name]!.sockets)}` : ""}`);
  }
  const rows = Object.entries(phases).map(([name, f]) => [name, f!.requests, f!.requestsPerS, f!.normalRequests, f!.normalFailures, f!.normalP50Ms, f!.normalP99Ms, f!.serverLoopP99Ms, f!.serverLoopMaxMs, f!.serverCpuMsPerFloodRequest, f!.heapMb, f!.retainedHeapMb, f!.rssMb, f!.rssGrowthMb]);
  console.log(table(["phase", "flood req", "req/s", "normal req", "normal fail", "normal p50 ms", "normal p99 ms", "loop p99 ms", "loop max ms", "CPU ms/req", "heap MB", "after GC MB", "RSS MB", "RSS growth MB"], rows));
  const flooded = Object.entries(phases).filter(([name]) => name !== "baseline").map(([, f]) => f);
  const normalP99Ms = Math.max(...flooded.map((f) => f.normalP99Ms));
  const rssGrowthMb = Math.max(...flooded.map((f) => f.rssGrowthMb));
  const retainedHeapGrowthMb = round(Math.max(...flooded.map((f) => f.retainedHeapMb)) - phases.baseline!.retainedHeapMb, 1);
  const serverLoopP99Ms = Math.max(...flooded.map((f) => f.serverLoopP99Ms));
  const normalFailures = flooded.reduce((n, f) => n + f.normalFailures, 0);
  const pass = normalP99Ms < GOAL.normalP99Ms && rssGrowthMb < GOAL.rssGrowthMb && normalFailures === 0;
  console.log(JSON.stringify({
    bench: "abuse", quick: QUICK, phaseMs: PHASE_MS, concurrency: CONCURRENCY, sockets: SOCKETS, subscriptionsPerSocket: SUBSCRIPTIONS_PER_SOCKET,
    normalP99Ms, rssGrowthMb, retainedHeapGrowthMb, serverLoopP99Ms, normalFailures, baselineNormalP99Ms: phases.baseline!.normalP99Ms, goal: GOAL, pass,
    phases: Object.fromEntries(Object.entries(phases).map(([name, f]) => [name, { ...f, outcomes: undefined }])),
  }));
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  attacker.send({ kind: "stop" });
  server.send({ kind: "stop" });
  await new Promise((resolve) => { server.once("exit", resolve); setTimeout(resolve, 15_000).unref(); });
  process.exit(exitCode);
}
