// Embedded mode (no DATABASE_URL): PGlite under a fresh data directory, API and worker in one process,
// the in-process event bus, and the CLI reaching the running server's database through its socket.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { collect, GENERATE, PROGRESS } from "./helpers/graphql.js";
import { deliveringStage, steppingStage } from "./fixtures/stages.js";
import { runningEmbeddedDatabase } from "../src/db/embedded.js";

const run = promisify(execFile);
let dataDir: string;
let app: TestKinema;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kinema-embedded-"));
  app = await startTestKinema({ env: { KINEMA_DATA_DIR: dataDir }, workers: 1, stages: [steppingStage(5), deliveringStage()] });
});
afterAll(async () => {
  await app?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("embedded mode", () => {
  it("boots from an empty directory and completes a job through the stage runner", async () => {
    expect(app.kinema.embedded).toBe(true);
    const account = await app.account("FREE");
    const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a yellow digit 7 growing", durationSeconds: 1, resolution: "R480P" } });
    const socket = account.client.socket();
    const events = await collect<any>(socket, PROGRESS, { id: generateVideo.job.id }).done;
    await socket.dispose();
    const last = events.at(-1).jobProgress;
    expect(last).toMatchObject({ status: "SUCCEEDED", step: 30, totalSteps: 30 });
    expect(last.job.video.url).toContain(generateVideo.job.id);
  });

  it("lets the CLI create an account through the running server's database, and refuses a second owner", async () => {
    expect(await runningEmbeddedDatabase(dataDir)).toMatchObject({ pid: process.pid });
    const { stdout } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "accounts", "create", "--tier", "PLUS", "--json"], {
      env: { ...process.env, KINEMA_DATA_DIR: dataDir, DATABASE_URL: "" },
    });
    const created = JSON.parse(stdout);
    expect(created).toMatchObject({ tier: "PLUS", role: "USER" });
    const { me } = await app.client(created.apiKey).data(`{ me { id tier limits { maxResolution stepBudget } } }`);
    expect(me).toEqual({ id: created.id, tier: "PLUS", limits: { maxResolution: "R1080P", stepBudget: 50 } });
    await expect(startTestKinema({ env: { KINEMA_DATA_DIR: dataDir } })).rejects.toThrow(/already open by process/);
  });
});
