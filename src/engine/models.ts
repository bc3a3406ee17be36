// One loaded model per worker process, loaded on first use and shared by every job after it
// (sessions are expensive to create; a denoising step is not).
import type { Config } from "../config/config.js";
import { LoadedModel } from "./runtime.js";

export class ModelCache {
  private loading: Promise<LoadedModel> | null = null;

  constructor(private readonly engine: Config["engine"]) {}

  get(): Promise<LoadedModel> {
    this.loading ??= LoadedModel.load(this.engine.modelDir, this.engine.provider, this.engine.threads || undefined);
    this.loading.catch(() => (this.loading = null)); // a failed load is tried again by the next job
    return this.loading;
  }

  async release(): Promise<void> {
    const loading = this.loading;
    this.loading = null;
    if (loading) await (await loading.catch(() => null))?.release();
  }
}
