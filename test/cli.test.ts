// The `kinema` CLI's user commands (generate, jobs, job) as a person runs them: a child process
// against the API and one worker running the real pipeline (onnxruntime, ffmpeg, C2PA).
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgressDisplay } from "../src/cli/progress-display.js";
import { startTestKinema, waitFor } from "./helpers/app.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startEngineKinema } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";

const run = promisify(execFile);
let db: TestDatabase;
let app: Awaited<ReturnType<typeof startEngineKinema>>;
let free: { id: string; key: string; client: ReturnType<typeof app.client> };
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startEngineKinema(db.url);
  free = await app.account("FREE");
  dir = await mkdtemp(join(tmpdir(), "kinema-cli-"));
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Cli { child: ReturnType<typeof spawn>; out: () => string; err: () => string; exit: Promise<number | null> }

/** `kinema ARGS` as a child process with piped stdio (no TTY). */
function cli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    env: { ...process.env, KINEMA_URL: app.url, KINEMA_API_KEY: free.key, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  child.stderr!.on("data", (chunk) => (err += chunk));
  const exit = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function finished(args: string[], env?: Record<string, string>) {
  const c = cli(args, env);
  const code = await c.exit;
  return { code, stdout: c.out(), stderr: c.err() };
}

/** A TCP proxy in front of the API whose connections can be cut, to drop the CLI's socket. */
async function proxy(target: URL): Promise<{ url: string; drop(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    drop: () => { for (const s of sockets) s.destroy(); },
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe("kinema generate", () => {
  it("submits a job, shows its progress, and saves a playable MP4 with Trusted content credentials", async () => {
    const file = join(dir, "clip.mp4");
    const { code, stdout, stderr } = await finished(["generate", "a red circle moving left", "--duration", "1", "--out", file]);
    expect(code, stderr).toBe(0);
    const jobId = /job ([0-9a-f-]{36}):/.exec(stderr)![1]!;
    // Not a TTY: a line per stage and about every 10% of the 30 steps, not one per step.
    expect(stderr).toMatch(/denoising +step 15\/30 \(50%\)/);
    expect(stderr.split("\n").filter((l) => l.startsWith("denoising")).length).toBeLessThanOrEqual(12);
    expect(stdout).toContain(file);
    expect(stdout).toMatch(/content credentials: Trusted/);

    const { job } = await free.client.data(`query($id: ID!) { job(id: $id) { status video { bytes width height frames } } }`, { id: jobId });
    expect(job).toMatchObject({ status: "SUCCEEDED", video: { width: 854, height: 480, frames: 24 } });
    expect((await stat(file)).size).toBe(job.video.bytes);
    const { stdout: probe } = await run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
      "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", file]);
    expect(JSON.parse(probe).streams[0]).toMatchObject({ codec_name: "h264", width: 854, height: 480, nb_read_frames: "24" });
    expect(existsSync(`${file}.part`)).toBe(false);
  }, 180_000); // a child process and a real generation: minutes, not seconds, on a loaded machine

  it("refuses what the tier does not allow, a bad key, a missing key and an unreachable server", async () => {
    // The server that is "down" resets every connection it accepts (ECONNRESET, which the CLI reports as
    // it does a refused one) and keeps its port while the test runs: a port closed beforehand could be
    // taken by another process by the time the CLI connects.
    const down = createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    const port = (down.address() as { port: number }).port;
    // The unreachable case runs several times: fetch once lost track of a reset request now and then (a few
    // runs in forty) and the CLI exited 0 with nothing said (src/cli/http-post.ts).
    const [tier, badKey, noKey, ...unreachables] = await Promise.all([
      finished(["generate", "a red circle", "--resolution", "1080p", "--out", join(dir, "never.mp4")]),
      finished(["jobs"], { KINEMA_API_KEY: "kin_not-a-real-key" }),
      finished(["generate", "a red circle"], { KINEMA_API_KEY: "" }),
      ...Array.from({ length: 6 }, () => finished(["job", "00000000-0000-0000-0000-000000000000"], { KINEMA_URL: `http://127.0.0.1:${port}/graphql` })),
    ]).finally(() => new Promise((resolve) => down.close(resolve)));
    expect(tier.code).toBe(2);
    expect(tier.stderr).toMatch(/--resolution: .*R480P.*\[TIER_LIMIT\]/);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/the API key is not valid/);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/KINEMA_API_KEY.*--key/);
    for (const unreachable of unreachables) {
      expect(unreachable.code, `${unreachable.stdout}\n${unreachable.stderr}`).toBe(1);
      expect(unreachable.stderr).toContain(`cannot reach Kinema at http://127.0.0.1:${port}/graphql; is it running?`);
    }
    expect(existsSync(join(dir, "never.mp4"))).toBe(false);
  });

  it("survives a dropped socket, and Ctrl-C without a TTY cancels the job (exit 130)", async () => {
    const front = await proxy(new URL(app.url));
    try {
      const c = cli(["generate", "a long slow pan over a city", "--duration", "10", "--out", join(dir, "long.mp4")], { KINEMA_URL: front.url });
      // waits, not limits: the CLI's start, the first step and the reconnection take longer on a loaded machine
      await waitFor(async () => /denoising +step/.test(c.err()), 60_000, "denoising to start");
      front.drop();
      await waitFor(async () => c.err().includes("reconnected"), 30_000, "the CLI to reconnect");
      expect(c.err()).toMatch(/lost the connection \(closed, code 1006\); reconnecting in 0.5 s \(1\/5\)/);
      c.child.kill("SIGINT");
      expect(await c.exit, c.err()).toBe(130);
      const id = /job ([0-9a-f-]{36}):/.exec(c.err())![1]!;
      expect(c.err()).toContain(`job ${id} cancelled`);
      const { job } = await free.client.data(`query($id: ID!) { job(id: $id) { status } }`, { id });
      expect(job.status).toBe("CANCELLED");
      expect(existsSync(join(dir, "long.mp4"))).toBe(false);
    } finally {
      await front.close();
    }
  }, 180_000);
});

describe("kinema jobs and kinema job", () => {
  // Their own account with two delivered jobs, made through the API: these tests do not depend on
  // what the tests above left behind, nor on running after them.
  let env: Record<string, string>;
  let jobId: string;
  beforeAll(async () => {
    // PLUS: admission control never refuses it (a FREE submission can get QUEUE_FULL while the tests
    // above still hold the worker)
    const owner = await app.account("PLUS");
    env = { KINEMA_API_KEY: owner.key };
    const ids: string[] = [];
    for (const seed of [1, 2]) {
      const { generateVideo } = await owner.client.data(GENERATE, { input: { prompt: "a red circle moving left", durationSeconds: 1, resolution: "R480P", seed } });
      if (!generateVideo.job) throw new Error(`submission refused: ${JSON.stringify(generateVideo.userErrors)}`);
      ids.push(generateVideo.job.id as string);
    }
    await waitFor(async () => {
      const states = await Promise.all(ids.map(async (id) => (await owner.client.data(`query($id: ID!) { job(id: $id) { status } }`, { id })).job.status));
      return states.every((status) => status === "SUCCEEDED");
    }, 120_000, "the account's two jobs");
    jobId = ids[0]!;
  }, 180_000);

  it("lists the history and shows one job in detail", async () => {
    const [table, json, detail, failed, missing] = await Promise.all([
      finished(["jobs"], env),
      finished(["job", jobId, "--json"], env),
      finished(["job", jobId], env),
      finished(["jobs", "--status", "failed,blocked", "--json"], env),
      finished(["job", "00000000-0000-0000-0000-000000000000"], env),
    ]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID +STATUS +STAGE +STEPS +CREATED +ERROR$/);
    expect(lines.find((l) => l.startsWith(jobId))).toMatch(/SUCCEEDED +DONE +50\/50/);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: jobId, status: "SUCCEEDED", stepsCompleted: 50, video: { frames: 24, provenance: { state: "Trusted" } } });
    expect(detail.stdout).toMatch(/credentials +Trusted/);
    expect(JSON.parse(failed.stdout)).toEqual({ jobs: [], pageInfo: { hasNextPage: false, endCursor: null } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no job/);
  });

  it("pages with --first and prints the next page's cursor", async () => {
    const first = await finished(["jobs", "--first", "1"], env);
    expect(first.code).toBe(0);
    const cursor = /--after (\S+)/.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const next = await finished(["jobs", "--first", "1", "--after", cursor!, "--json"], env);
    // two jobs, newest first: the second page is the older one, and the last
    expect(JSON.parse(next.stdout)).toMatchObject({ jobs: [{ id: jobId }], pageInfo: { hasNextPage: false } });
    expect(first.stdout).not.toContain(jobId);
  });

  it("has help for each command, listed at the top level", async () => {
    const [top, ...each] = await Promise.all([["--help"], ["generate", "--help"], ["jobs", "--help"], ["job", "--help"]].map((a) => finished(a)));
    for (const name of ["generate", "jobs", "job", "accounts", "certs", "verify"]) expect(top!.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    for (const h of each) {
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/^Usage: kinema (generate|jobs|job) /);
    }
  });
});

describe("a job that fails", () => {
  let failingDb: TestDatabase;
  let failing: Awaited<ReturnType<typeof startTestKinema>>;
  beforeAll(async () => {
    failingDb = await createTestDatabase();
    failing = await startTestKinema({ databaseUrl: failingDb.url, workers: 1, stages: [] }); // no stages: NO_PIPELINE
  });
  afterAll(async () => {
    await failing?.stop();
    await failingDb?.drop();
  });

  it("prints the job's error code and message and exits 1; kinema job shows the error", async () => {
    const { key } = await failing.account("PLUS");
    const env = { KINEMA_URL: failing.url, KINEMA_API_KEY: key };
    const gen = await finished(["generate", "anything", "--duration", "1", "--out", join(dir, "failed.mp4")], env);
    expect(gen.code).toBe(1);
    const id = /job ([0-9a-f-]{36}):/.exec(gen.stderr)![1]!;
    expect(gen.stderr).toContain(`kinema: job ${id} FAILED: NO_PIPELINE: this worker has no generation stages installed`);
    const detail = await finished(["job", id], env);
    expect(detail.code).toBe(0);
    expect(detail.stdout).toMatch(/^error +NO_PIPELINE: /m);
    const list = await finished(["jobs"], env);
    expect(list.stdout).toMatch(new RegExp(`^${id} +FAILED +\\S+ +0/50 +\\S+ +NO_PIPELINE$`, "m"));
  });
});

describe("progress display", () => {
  const state = (step: number) => ({ status: "RUNNING" as const, stage: "DENOISING" as const, queuePosition: null, step, totalSteps: 50, etaSeconds: 50 - step });

  it("redraws one line on a terminal", () => {
    let text = "";
    const display = new ProgressDisplay({ write: (t: string) => (text += t), isTTY: true, columns: 60 });
    display.update({ status: "QUEUED", stage: "QUEUED", queuePosition: 2, step: 0, totalSteps: 50, etaSeconds: 90 });
    for (let step = 0; step <= 50; step++) display.update(state(step));
    display.finish();
    expect(text.split("\n")).toHaveLength(2); // one line, ended once
    expect(text).toContain("\rqueued, 2 jobs ahead  ETA 1m30s");
    expect(text).toContain("\rdenoising   [##########..........] 25/50  ETA 25s");
  });

  it("logs a line per stage and every 10% of the steps elsewhere", () => {
    let text = "";
    const display = new ProgressDisplay({ write: (t: string) => (text += t) }, { tty: false });
    for (let step = 0; step <= 50; step++) display.update(state(step));
    display.update({ ...state(50), stage: "DECODING", etaSeconds: 1 });
    const lines = text.trim().split("\n");
    expect(lines).toHaveLength(12);
    expect(lines[1]).toBe("denoising   step 5/50 (10%)  ETA 45s");
    expect(lines.at(-1)).toBe("decoding    ETA 1s");
  });
});
