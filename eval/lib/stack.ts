// Starts the real Kinema in this process for an eval: its own database (see database.ts), a temporary
// data directory (objects, the development signing chain), the API on a free port and N workers running
// the production pipeline. stop() undoes all of it, and is safe to call more than once.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKinema, type Kinema, type KinemaOptions } from "../../src/app.js";
import { loadConfig, type Config, type Tier } from "../../src/config/config.js";
import { createLogger } from "../../src/log.js";
import { productionStages } from "../../workers/stages/index.js";
import { openEvalDatabase, type EvalDatabase } from "./database.js";
import { EvalClient } from "./graphql.js";

export interface EvalStack {
  kinema: Kinema;
  config: Config;
  /** the API's GraphQL URL */
  url: string;
  database: EvalDatabase;
  dataDir: string;
  /** a new account of `tier` and a client that calls the API with its key */
  account(tier: Tier, name: string): Promise<{ id: string; client: EvalClient }>;
  /** PEM of the roots a delivered clip must chain to, as the workers' signing set-up chose them */
  trustAnchors(): Promise<string | null>;
  stop(): Promise<void>;
}

export interface StackOptions {
  workers: number;
  /** KINEMA_MODEL_DIR; unset: the configuration's default */
  modelDir?: string;
  /** extra variables over the process environment */
  env?: Record<string, string>;
  /** more variables made from the stack's data directory (files the app reads, such as a hash bank) */
  prepare?: (dataDir: string) => Promise<Record<string, string>>;
  /** the worker pipeline; unset: the production stages */
  stages?: KinemaOptions["stages"];
}

export async function startEvalStack(options: StackOptions): Promise<EvalStack> {
  // Quiet by default: the eval's own summary is the output; LOG_LEVEL=info shows the app's JSON logs.
  process.env.LOG_LEVEL ??= "error";
  const dataDir = await mkdtemp(join(tmpdir(), "kinema-eval-"));
  let database: EvalDatabase | null = null;
  let kinema: Kinema | null = null;
  const stop = once(async () => {
    await kinema?.stop().catch((e: unknown) => console.error(`stopping Kinema: ${String(e)}`));
    await database?.drop().catch((e: unknown) => console.error(`dropping the eval database: ${String(e)}`));
    await rm(dataDir, { recursive: true, force: true });
  });
  try {
    database = await openEvalDatabase();
    const config = loadConfig({
      ...process.env,
      // the eval owns where data goes: never a deployment's database or data directory
      DATABASE_URL: database.url ?? "", KINEMA_DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", KINEMA_PUBLIC_URL: "",
      KINEMA_POLL_MS: "200", KINEMA_METRICS_PORT: "0",
      // one onnxruntime thread per worker, so N workers share the cores instead of fighting over them
      KINEMA_ORT_THREADS: process.env.KINEMA_ORT_THREADS || "1",
      ...(options.modelDir ? { KINEMA_MODEL_DIR: options.modelDir } : {}),
      ...options.env,
      ...(await options.prepare?.(dataDir)),
    });
    kinema = await startKinema({
      config, log: createLogger("eval"), api: true, workers: options.workers, stages: options.stages ?? ((deps) => productionStages(deps)),
    });
    // The eval submits a golden set's worth of jobs from one account per tier in a minute: well past a
    // customer's rate limits and quotas (src/limits), which are not what the eval measures. Raised for
    // this throwaway database only (maximum values the limits accept are far above any golden set).
    await kinema.limits.update({
      freeSubmissionsPerMinute: 100_000, plusSubmissionsPerMinute: 100_000, freeGenerationsPerDay: 1_000_000,
      plusGenerationsPerDay: 1_000_000, freeQueuedJobs: 100_000, plusQueuedJobs: 100_000,
    }, { actor: "eval", reason: "eval harness: golden sets from one account per tier" });
    const url = kinema.api!.url;
    const k = kinema;
    return {
      kinema, config, url, database, dataDir, stop,
      async account(tier, name) {
        const { account, apiKey } = await k.accounts.create({ name, tier });
        return { id: account.id, client: new EvalClient(url, apiKey) };
      },
      async trustAnchors() {
        // the same choice as src/provenance/setup.ts: configured anchors, else the dev chain's own root
        const p = config.provenance;
        if (p.trustAnchors) return readFile(p.trustAnchors, "utf8");
        return p.certChain ? null : readFile(join(dataDir, "certs", "root.pem"), "utf8");
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= fn());
}
