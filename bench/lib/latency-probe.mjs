// @ts-check
// A latency probe in its own thread (its own event loop, so a stalled server cannot delay its sends or
// its clock): sends one trivial GraphQL query every `everyMs` (at once when the previous answer came
// later than that), one at a time, and times each from its send to its answer. A request sent into a
// stall waits for the stall's end, so each stall shows in the samples of its length. Plain JavaScript:
// it loads under tsx or plain node without a loader.
// workerData: { url, key, everyMs }. It posts "ready" once a first query was answered (the schedule
// starts then: a cold thread's first request is not the server's latency); the message { until } makes
// it send what it meant to send up to that absolute time, then reply with every sample.
import { parentPort, workerData } from "node:worker_threads";

const { url, key, everyMs } = /** @type {{ url: string, key: string, everyMs: number }} */ (workerData);
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
const now = () => performance.timeOrigin + performance.now(); // absolute ms, comparable across threads
/** @type {{ at: number, ms: number, ok: boolean }[]} */
const samples = [];
let until = Infinity;
port.on("message", (/** @type {{ until: number }} */ message) => { until = message.until; });

const body = JSON.stringify({ query: "{ me { id } }" });
async function query() {
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body });
    const json = /** @type {any} */ (await response.json());
    return response.ok && typeof json?.data?.me?.id === "string";
  } catch {
    return false;
  }
}

while (!(await query())) await new Promise((resolve) => setTimeout(resolve, everyMs));
port.postMessage("ready");
let next = now();
while (next <= until) {
  const sent = now();
  next = sent + everyMs;
  const ok = await query();
  samples.push({ at: sent, ms: now() - sent, ok });
  const wait = next - now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
port.postMessage(samples);
