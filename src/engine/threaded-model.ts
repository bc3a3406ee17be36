// A model whose sessions live in an inference thread (inference-thread.mjs): what a worker runs. The
// calling thread only posts requests and awaits replies, so its event loop stays free during a step:
// heartbeats extend the lease however long the step is, the API of an embedded process keeps
// answering, and the LISTEN connection's ping meets its deadline.
//
// Why a thread and not a child process: the latent, the model's output and the decoded frames cross by
// transfer (the buffer changes owner, nothing is copied), where a process would serialise and copy each
// through a pipe; and a thread dies with its worker process, so nothing is left running when the
// process is killed. bench:denoise measures what the crossing costs per step.
import { Worker } from "node:worker_threads";
import type { ModelManifest } from "./manifest.js";
import { readModel, sessionLoadError, sessionOptions, SESSION_ROLES, type ExecutionProvider, type Model, type Tensor } from "./runtime.js";

export interface ThreadedModelOptions {
  /** onnxruntime intra-op threads per session; omitted: onnxruntime's default */
  threads?: number;
  /** For tests only: a wait inside the inference thread before each denoiser call, as a slow device takes. */
  testStepDelayMs?: number;
}

type Reply = { id: number; data?: Float32Array; dims?: number[]; error?: string; released?: boolean };
type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void };

export class ThreadedModel implements Model {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** the text embeddings the thread holds (sent with the first denoise call that uses them) */
  private sentText: Float32Array | null = null;
  private failure: Error | null = null;

  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    readonly hash: string,
    readonly provider: ExecutionProvider,
    private readonly worker: Worker,
  ) {
    worker.on("message", (reply: Reply) => {
      const request = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref(); // an idle model must not keep the process alive
      if (reply.error !== undefined) request?.reject(new Error(`inference failed: ${reply.error}`));
      else request?.resolve(reply);
    });
    // A crashed or terminated thread fails what it held, and every later call.
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const request of this.pending.values()) request.reject(error);
      this.pending.clear();
    };
    worker.on("error", (error) => fail(new Error(`the inference thread failed: ${error.message}`, { cause: error })));
    worker.on("exit", (code) => fail(new Error(`the inference thread exited (code ${code})`)));
  }

  /** Reads and checks the model folder here, then creates its sessions in a new inference thread. */
  static async load(dir: string, provider: ExecutionProvider, options: ThreadedModelOptions = {}): Promise<ThreadedModel> {
    const { manifest, hash, bytes } = await readModel(dir);
    const sessions = Object.fromEntries(SESSION_ROLES.map((role) => {
      const file = manifest[role].file;
      return [role, { file, bytes: bytes.get(file)!, options: sessionOptions(role, provider, options.threads) }];
    }));
    const io = Object.fromEntries(SESSION_ROLES.map((role) => [role, { inputs: manifest[role].inputs, outputs: manifest[role].outputs }]));
    const worker = new Worker(new URL("./inference-thread.mjs", import.meta.url), {
      workerData: { sessions, io, testStepDelayMs: options.testStepDelayMs ?? 0 },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: { loaded?: boolean; file?: string; error?: string }) => {
        if (message.loaded === undefined) return;
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (message.loaded) resolve();
        else reject(sessionLoadError(provider, message.file ?? "", message.error ?? "unknown error"));
      };
      const onError = (error: Error) => reject(new Error(`the inference thread failed while loading: ${error.message}`, { cause: error }));
      const onExit = (code: number) => reject(new Error(`the inference thread exited while loading (code ${code})`));
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.unref();
    return new ThreadedModel(dir, manifest, hash, provider, worker);
  }

  /** False once the thread has died: the model cache then loads a new one. */
  get alive(): boolean {
    return this.failure === null;
  }

  async encodeText(ids: BigInt64Array, batch: number): Promise<Tensor> {
    return output(await this.call({ op: "encodeText", ids, batch }));
  }

  async denoise(latent: Tensor, timesteps: Float32Array, text: Tensor, textMask: Int32Array): Promise<Tensor> {
    // The embeddings are the same for every step of a job: copied across once, then named by omission.
    const sendText = text.data !== this.sentText;
    const data = handOver(latent.data);
    const reply = await this.call(
      { op: "denoise", latent: data, dims: latent.dims, timesteps, mask: textMask, text: sendText ? { data: text.data, dims: text.dims } : null },
      [data.buffer as ArrayBuffer],
      () => { if (sendText) this.sentText = text.data; },
    );
    return output(reply);
  }

  async decode(latent: Tensor): Promise<Tensor> {
    const data = handOver(latent.data);
    return output(await this.call({ op: "decode", latent: data, dims: latent.dims }, [data.buffer as ArrayBuffer]));
  }

  async release(): Promise<void> {
    if (this.alive) await this.call({ op: "release" }).catch(() => {});
    this.failure ??= new Error("the model was released");
    await this.worker.terminate();
  }

  private call(request: Record<string, unknown>, transfer: ArrayBuffer[] = [], posted?: () => void): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref(); // keep the process alive while a call is in flight
      this.worker.postMessage({ id, ...request }, transfer);
      posted?.();
    });
  }
}

/** The array itself when it spans its whole buffer (transferred as is); a view is copied first, since
 * transferring its buffer would take the rest of that buffer away from whoever else holds it. */
function handOver(data: Float32Array): Float32Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer ? data : data.slice();
}

function output(reply: Reply): Tensor {
  if (!reply.data || !reply.dims) throw new Error("the inference thread answered without a tensor");
  return { data: reply.data, dims: reply.dims };
}
