// @ts-check
// The inference thread of a ThreadedModel (threaded-model.ts). onnxruntime-node's `session.run` is
// synchronous: it holds its calling thread for the whole step (100 ms to seconds). Here that thread is
// this one, so the worker process's event loop keeps its heartbeats, progress writes, LISTEN pings and,
// in embedded mode, the API going while a step runs. The sessions are created in this thread (an
// onnxruntime session belongs to the thread that made it). Plain JavaScript so that it loads under any
// parent (tsx, vitest, plain node) without a TypeScript loader in the worker.
//
// Requests are served one at a time, in order. Inputs arrive transferred or copied; every output's
// buffer is transferred back (no copy).
import { parentPort, workerData } from "node:worker_threads";
import ort from "onnxruntime-node";

/**
 * @typedef {{ file: string, bytes: Uint8Array, options: import("onnxruntime-node").InferenceSession.SessionOptions }} SessionSpec
 * @typedef {{ inputs: Record<string, string>, outputs: Record<string, string> }} SessionIo
 * @typedef {{ sessions: { textEncoder: SessionSpec, denoiser: SessionSpec, vae: SessionSpec },
 *   io: { textEncoder: SessionIo, denoiser: SessionIo, vae: SessionIo }, testStepDelayMs: number }} ThreadData
 */

const data = /** @type {ThreadData} */ (workerData);
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
const { io } = data;

/** @type {Record<"textEncoder" | "denoiser" | "vae", import("onnxruntime-node").InferenceSession>} */
const sessions = /** @type {any} */ ({});
/** The text embeddings the last denoise request sent: the parent sends them once per job, not per step. */
/** @type {{ data: Float32Array, dims: number[] } | null} */
let text = null;
/** For tests only: a wait in this thread before each denoiser call, as a slow device would take. */
const stepDelay = data.testStepDelayMs > 0 ? new Int32Array(new SharedArrayBuffer(4)) : null;

/** Creates the three sessions; tells the parent which file failed, if one did. */
async function load() {
  for (const role of /** @type {const} */ (["textEncoder", "denoiser", "vae"])) {
    const spec = data.sessions[role];
    try {
      sessions[role] = await ort.InferenceSession.create(spec.bytes, spec.options);
    } catch (error) {
      port.postMessage({ loaded: false, file: spec.file, error: error instanceof Error ? error.message : String(error) });
      return false;
    }
  }
  port.postMessage({ loaded: true });
  return true;
}

/** @param {import("onnxruntime-node").Tensor} value */
function reply(/** @type {number} */ id, value) {
  const out = /** @type {Float32Array} */ (value.data);
  // A view into a larger buffer would hand over (and detach) more than the output: copy that case.
  const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
  port.postMessage({ id, data: owned, dims: [...value.dims] }, [owned.buffer]);
}

async function serve(/** @type {any} */ request) {
  try {
    if (request.op === "encodeText") {
      const { inputs, outputs } = io.textEncoder;
      const length = request.ids.length / request.batch;
      const result = await sessions.textEncoder.run({ [inputs.ids]: new ort.Tensor("int64", request.ids, [request.batch, length]) });
      reply(request.id, result[outputs.embeddings]);
    } else if (request.op === "denoise") {
      if (request.text) text = request.text;
      if (!text) throw new Error("denoise without text embeddings");
      const { inputs, outputs } = io.denoiser;
      if (stepDelay) Atomics.wait(stepDelay, 0, 0, data.testStepDelayMs);
      const result = await sessions.denoiser.run({
        [inputs.latent]: new ort.Tensor("float32", request.latent, request.dims),
        [inputs.timestep]: new ort.Tensor("float32", request.timesteps, [request.timesteps.length]),
        [inputs.text]: new ort.Tensor("float32", text.data, text.dims),
        [inputs.textMask]: new ort.Tensor("int32", request.mask, [text.dims[0], text.dims[1]]),
      });
      reply(request.id, result[outputs.prediction]);
    } else if (request.op === "decode") {
      const { inputs, outputs } = io.vae;
      const result = await sessions.vae.run({ [inputs.latent]: new ort.Tensor("float32", request.latent, request.dims) });
      reply(request.id, result[outputs.frames]);
    } else if (request.op === "release") {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      port.postMessage({ id: request.id, released: true });
    } else {
      throw new Error(`unknown inference request ${request.op}`);
    }
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
}

if (await load()) {
  // One request at a time, in arrival order (the text embeddings a denoise request leaves here are
  // what the next one uses).
  let queue = Promise.resolve();
  port.on("message", (request) => { queue = queue.then(() => serve(request)); });
}
