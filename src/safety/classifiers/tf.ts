// TensorFlow.js on its WASM backend, shared by nsfwjs and face-api in this process. tfjs-node cannot be
// installed here and the pure-JS CPU backend is ~20x slower; WASM with SIMD runs MobileNetV2Mid in
// ~32 ms per 224x224 frame. Node gets the single-threaded build: the threaded one starts its workers
// from Blob URLs, which Node cannot run.
//
// The .wasm binaries are read from the npm package on disk (no CDN): setWasmPaths gets the package's
// dist/ folder, and the emscripten loader reads it with fs under Node.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Tensor3D } from "@tensorflow/tfjs";
import { assertFrame, once, type Frame } from "./port.js";

export type Tf = typeof import("@tensorflow/tfjs");

const require = createRequire(import.meta.url);

/** tfjs with the WASM backend active. Loaded on first call; face-api requires this same tfjs copy. */
export const loadTf = once(async (): Promise<Tf> => {
  // Both are CommonJS packages without `exports`: import() and face-api's require() get one instance.
  const tf = await import("@tensorflow/tfjs");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const wasmDir = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/");
  wasm.setWasmPaths(wasmDir);
  if (!(await tf.setBackend("wasm"))) throw new Error(`tfjs WASM backend failed to start (binaries from ${wasmDir})`);
  await tf.ready();
  return tf;
});

/** The frame as an int32 [height, width, 3] tensor; the caller disposes it. */
export function frameTensor(tf: Tf, frame: Frame): Tensor3D {
  assertFrame(frame);
  return tf.tensor3d(frame.rgb, [frame.height, frame.width, 3], "int32");
}
