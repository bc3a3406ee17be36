// Kinema with the production pipeline (real onnxruntime, real ffmpeg) for generation tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stage } from "../../workers/pipeline.js";
import { productionStages, type StageDeps } from "../../workers/stages/index.js";
import { startTestKinema, type TestKinema } from "./app.js";

/** the worker's pipeline: the production stages unless a test changes them */
export type StagesOf = (deps: StageDeps) => Stage[];

export async function startEngineKinema(databaseUrl: string, env: Record<string, string> = {}, workers = 1, stages: StagesOf = productionStages): Promise<TestKinema & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "kinema-engine-"));
  const app = await startTestKinema({
    databaseUrl, workers, stages: (deps) => stages(deps),
    env: { KINEMA_DATA_DIR: dataDir, KINEMA_ORT_THREADS: "1", ...env },
  });
  return {
    ...app, dataDir,
    async stop() {
      await app.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One engine Kinema (API + worker) for `body` only: its worker must not take the next test's jobs. */
export async function withEngine(databaseUrl: string, env: Record<string, string>, body: (app: TestKinema & { dataDir: string }) => Promise<void>, stages?: StagesOf): Promise<void> {
  const app = await startEngineKinema(databaseUrl, env, 1, stages);
  try {
    await body(app);
  } finally {
    await app.stop();
  }
}

export const JOB_STATE = `query($id: ID!) { job(id: $id) { id status stage stepsCompleted attempts error { code message } video { url expiresAt width height frames fps bytes } } }`;
