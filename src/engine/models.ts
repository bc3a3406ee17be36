// One loaded model per worker process, loaded on first use and shared by every job after it
// (sessions are expensive to create; a denoising step is not). Its sessions run in an inference
// thread (threaded-model.ts), so a step never blocks this process's event loop.
import type { Config } from "../config/config.js";
import type { Model } from "./runtime.js";
import { ThreadedModel, type ThreadedModelOptions } from "./threaded-model.js";

/** Where the stages get their model: the process's ModelCache; a bench may hand in another. */
export interface ModelSource {
  get(): Promise<Model>;
}

export class ModelCache implements ModelSource {
  private loading: Promise<ThreadedModel> | null = null;

  /** `testing`: ThreadedModel's test-only options (a slow device), for fixtures. */
  constructor(private readonly engine: Config["engine"], private readonly testing: Pick<ThreadedModelOptions, "testStepDelayMs"> = {}) {}

  async get(): Promise<ThreadedModel> {
    // A thread that died (a native crash, an out-of-memory kill of the thread) is replaced, not reused.
    const loading = this.loading;
    const current = await loading?.catch(() => null);
    if (current && !current.alive && this.loading === loading) this.loading = null;
    this.loading ??= ThreadedModel.load(this.engine.modelDir, this.engine.provider, { threads: this.engine.threads || undefined, ...this.testing });
    this.loading.catch(() => (this.loading = null)); // a failed load is tried again by the next job
    return this.loading;
  }

  async release(): Promise<void> {
    const loading = this.loading;
    this.loading = null;
    if (loading) await (await loading.catch(() => null))?.release();
  }
}
