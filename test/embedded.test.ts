// Embedded mode (no DATABASE_URL): PGlite under a fresh data directory, API and worker in one process,
// the in-process event bus, and the CLI reaching the running server's database through its socket.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { collect, GENERATE, GraphQLTestClient, PROGRESS } from "./helpers/graphql.js";
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

describe("npm start (src/main.ts) in embedded mode", () => {
  it("prints the URL and a demo key, turns a prompt into a playable MP4, and stops cleanly on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kinema-main-"));
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        env: { ...process.env, DATABASE_URL: "", KINEMA_DATA_DIR: dir, PORT: "0", LOG_LEVEL: "warn" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      // waits, not limits: PGlite, the migrations and the model take far longer to start on a loaded machine
      const url = await waitFor(async () => /running: (\S+)/.exec(out)?.[1], 90_000, "the URL");
      const key = /API key: (\S+)/.exec(out)![1]!;
      const client = new GraphQLTestClient(url, key);
      const { me } = await client.data(`{ me { tier } }`);
      expect(me).toEqual({ tier: "PLUS" });
      // The production pipeline, as `npm start` runs it: a real MP4 behind a signed URL.
      const { generateVideo } = await client.data(GENERATE, { input: { prompt: "a red circle moving left on a blue background", durationSeconds: 1, resolution: "R720P" } });
      const video = await waitFor(async () => {
        const { job } = await client.data(`query($id: ID!) { job(id: $id) { status error { code } video { url width height frames } } }`, { id: generateVideo.job.id });
        expect(job.status).not.toBe("FAILED");
        return job.status === "SUCCEEDED" ? job.video : null;
      }, 60_000, "the demo job");
      expect(video).toMatchObject({ width: 1280, height: 720, frames: 24 });
      const mp4 = Buffer.from(await (await fetch(video.url)).arrayBuffer());
      expect(mp4.subarray(4, 8).toString()).toBe("ftyp");
      expect(existsSync(join(dir, "embedded.json"))).toBe(true);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(existsSync(join(dir, "embedded.json"))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
