// Starts Kinema in-process against a test database, with the API on a free port.
import { startKinema, type Kinema, type KinemaOptions } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config/config.js";
import type { Tier } from "../../src/config/config.js";
import type { Role } from "../../src/accounts/accounts.js";
import { createLogger } from "../../src/log.js";
import type { JobOutcome } from "../../workers/runner.js";
import { GraphQLTestClient } from "./graphql.js";

export const TEST_MODEL_DIR = "models/kinema-tiny";

export interface TestKinema {
  kinema: Kinema;
  config: Config;
  url: string;
  client(key: string): GraphQLTestClient;
  account(tier?: Tier, role?: Role): Promise<{ id: string; key: string; client: GraphQLTestClient }>;
  stop(): Promise<void>;
}

export async function startTestKinema(options: {
  databaseUrl?: string;
  env?: Record<string, string>;
  api?: boolean;
  workers?: number;
  stages?: KinemaOptions["stages"];
  onJobDone?: (jobId: string, outcome: JobOutcome) => void;
}): Promise<TestKinema> {
  const config = loadConfig({
    // kinema-tiny (untrained, fast) is the tests' model; the shipped default is for people and the eval.
    KINEMA_MODEL_DIR: TEST_MODEL_DIR, PORT: "0", KINEMA_POLL_MS: "200", KINEMA_RETRY_BASE_MS: "50", KINEMA_RETRY_MAX_MS: "200",
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const kinema = await startKinema({
    config, log: createLogger("test"), api: options.api ?? true, workers: options.workers ?? 0,
    stages: options.stages ?? [], onJobDone: options.onJobDone,
  });
  const url = kinema.api?.url ?? "";
  const client = (key: string) => new GraphQLTestClient(url, key);
  return {
    kinema, config, url, client,
    async account(tier = "FREE", role = "USER") {
      const { account, apiKey } = await kinema.accounts.create({ name: `test-${tier}`, tier, role });
      return { id: account.id, key: apiKey, client: client(apiKey) };
    },
    stop: () => kinema.stop(),
  };
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
