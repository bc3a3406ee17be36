// `kinema delete` as a person runs it: a child process against the API (a worker running test stages
// that store real objects): the job becomes a tombstone and its URL answers 410; an unknown id is a usage
// error (exit 2); `--account` with the wrong name refuses, with the right one deletes the account.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { JOB_VIEW, storingStage } from "./helpers/removal.js";

let db: TestDatabase;
let app: TestKinema;
let dataDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "kinema-delete-cli-"));
  app = await startTestKinema({ databaseUrl: db.url, workers: 1, env: { KINEMA_DATA_DIR: dataDir, KINEMA_HOUSEKEEPING_MS: "0" }, stages: (deps) => [storingStage(deps.store)] });
}, 180_000);
afterAll(async () => {
  await app?.stop();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

function kinema(args: string[], key: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { env: { ...process.env, KINEMA_URL: app.url, KINEMA_API_KEY: key } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

describe("kinema delete", () => {
  it("deletes a job, refuses an unknown one, and deletes the account only with its exact name", async () => {
    const { account, apiKey } = await app.kinema.accounts.create({ name: "cli-owner", tier: "FREE", role: "USER" });
    const client = app.client(apiKey);
    const { generateVideo } = await client.data(GENERATE, { input: { prompt: "a kettle whistling", durationSeconds: 1 } });
    const id = generateVideo.job.id as string;
    const job = await waitFor(async () => ((await client.data(JOB_VIEW, { id })).job.status === "SUCCEEDED" ? (await client.data(JOB_VIEW, { id })).job : null), 60_000);
    const deleted = await kinema(["delete", id], apiKey);
    expect(deleted).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`deleted ${id} at .*files are removed`)) });
    expect((await fetch(job.video.url)).status).toBe(410);
    expect((await client.data(JOB_VIEW, { id })).job.prompt).toBe("[deleted]");
    const json = await kinema(["delete", id, "--json"], apiKey);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ job: { id }, userErrors: [] });

    const unknown = await kinema(["delete", "00000000-0000-4000-8000-000000000000"], apiKey);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("NOT_FOUND") });
    const wrong = await kinema(["delete", "--account", "cli-0wner"], apiKey);
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringContaining("CONFIRMATION_MISMATCH") });
    const gone = await kinema(["delete", "--account", "cli-owner"], apiKey);
    // Its one job was a tombstone already.
    expect(gone).toMatchObject({ code: 0, stdout: expect.stringContaining("deleted the account: 0 jobs removed") });
    expect((await client.request(`{ me { id } }`)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(account.id).toBeTruthy();
  }, 240_000); // ~7 s alone: four CLI processes (tsx start-up each) and one job

  it("has help, listed at the top level", async () => {
    const [top, own] = await Promise.all([kinema(["--help"], ""), kinema(["delete", "--help"], "")]);
    expect(top.stdout).toMatch(/^  delete /m);
    expect(own).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: kinema delete <job id>/) });
    expect((await kinema(["delete"], "x")).code).toBe(2);
  }, 120_000);
});
