// @ts-check
// The local signer's worker thread. c2pa-node's `Builder.sign` is synchronous: it hashes the whole MP4
// (about 400 ms for 50 MB) on the calling thread, so it runs here and the worker process's event loop
// keeps its heartbeats and progress writes going. Plain JavaScript so that it loads under any parent
// (tsx, vitest, plain node) without a TypeScript loader in the worker.
import { parentPort, workerData } from "node:worker_threads";
import { Builder, LocalSigner } from "@contentauth/c2pa-node";

/** @type {{ chainPem: string, keyPem: string }} */
const { chainPem, keyPem } = workerData;
/** @type {import("@contentauth/c2pa-node").LocalSigner | null} */
let signer = null;

/** @typedef {{ json: object, path: string, mimeType: string }} Ingredient */
/** @typedef {{ id: number, input: string, output: string, manifest: any, mimeType: string, ingredients: Ingredient[] }} Request */
// One request at a time, in order: adding an ingredient awaits, and two builders in flight on this thread
// at once are not something c2pa-node promises to support.
let queue = Promise.resolve();
parentPort?.on("message", (/** @type {Request} */ request) => {
  queue = queue.then(() => handle(request));
});

async function handle(/** @type {Request} */ request) {
  try {
    // made on first use, so a bad key or chain fails the sign call that needs it, with its message
    signer ??= LocalSigner.newSigner(Buffer.from(chainPem), Buffer.from(keyPem), "es256");
    const builder = Builder.withJson(request.manifest);
    // an ingredient (a poster's clip) is read and its manifest store copied into the claim
    for (const ingredient of request.ingredients) {
      await builder.addIngredient(JSON.stringify(ingredient.json), { path: ingredient.path, mimeType: ingredient.mimeType });
    }
    builder.sign(signer, { path: request.input, mimeType: request.mimeType }, { path: request.output });
    parentPort?.postMessage({ id: request.id });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
}
