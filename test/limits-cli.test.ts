// The CLI's new options against a real API on real PostgreSQL (no workers: jobs wait in the queue):
// --negative and --deadline reach the API, its userErrors come back under the flags' names, a job whose
// deadline passes ends `kinema generate` with EXPIRED (exit 1), and `kinema usage` shows the window and
// the limits left.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
let app: TestKinema;
let user: { id: string; key: string };

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_SWEEP_MS: "200" } });
  await app.kinema.scheduler.update({ admissionControl: false }, { actor: "test" });
  user = await app.account("FREE");
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

function kinema(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    env: { ...process.env, KINEMA_URL: app.url, KINEMA_API_KEY: user.key }, stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "", stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

describe("kinema generate --negative --deadline", () => {
  it("reports the API's userErrors under the flags' names (exit 2)", async () => {
    const tooLong = await kinema(["generate", "a red fox", "--deadline", "90000"]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/--deadline: The deadline must be 1 to 86400 seconds\. \[INVALID_INPUT\]/);
    const blocked = await kinema(["generate", "a red fox", "--negative", "a steamy s3x scene"]);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/--negative: .* \[PROMPT_BLOCKED\]/);
  }, 120_000);

  it("ends with EXPIRED (exit 1) when no worker starts the job before its deadline; the negative prompt is on the job", async () => {
    const run = await kinema(["generate", "a red fox", "--negative", "fog", "--deadline", "1", "--json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/EXPIRED: DEADLINE_EXCEEDED/);
    const { job } = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(job).toMatchObject({ status: "EXPIRED", negativePrompt: "fog", gpuSeconds: 0, costDollars: 0 });
  }, 120_000);
});

describe("kinema usage", () => {
  it("shows the jobs, GPU time, cost and the limits left", async () => {
    const json = await kinema(["usage", "--window", "hour", "--json"]);
    expect(json.code).toBe(0);
    const usage = JSON.parse(json.stdout);
    expect(usage).toMatchObject({ window: "HOUR", jobs: 2, gpuSeconds: 0, costDollars: 0 });
    expect(usage.byStatus.map((s: { status: string }) => s.status).sort()).toEqual(["BLOCKED", "EXPIRED"]);
    expect(usage.limits.policies.map((p: { name: string; used: number }) => [p.name, p.used])).toEqual([["minute", 1], ["day", 0], ["queued", 0]]); // the blocked one is no submission
    const text = await kinema(["usage"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/submissions per minute\s+1\s+29\s+30/);
    expect(text.stdout).toMatch(/cost\s+\$0\.0000 at \$3\.5\/GPU-hour/);
    const bad = await kinema(["usage", "--window", "year"]);
    expect(bad.code).toBe(2);
  }, 120_000);
});
