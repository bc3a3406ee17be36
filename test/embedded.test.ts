// Embedded mode (no DATABASE_URL): PGlite under a fresh data directory, API and worker in one process,
// the in-process event bus, and the CLI reaching the running server's database through its socket.
// Nothing of it is open to other local users (folder 0700, files 0600, the database socket 0600), and
// `npm start` prints the demo key on its terminal banner (stderr), never in the JSON log stream.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { collect, GENERATE, GraphQLTestClient, PROGRESS } from "./helpers/graphql.js";
import { deliveringStage, steppingStage } from "./fixtures/stages.js";
import { runningEmbeddedDatabase } from "../src/db/embedded.js";
import { hashApiKey } from "../src/accounts/keys.js";
import pg from "pg";

/** Every path under `root` whose mode lets group or others in (symbolic links aside), with its mode. */
async function openToOthers(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string) => {
    const info = await lstat(path).catch(() => null);
    if (!info || info.isSymbolicLink()) return;
    if ((info.mode & 0o077) !== 0) found.push(`${(info.mode & 0o777).toString(8)} ${path}`);
    if (info.isDirectory()) for (const name of await readdir(path).catch(() => [])) await visit(join(path, name));
  };
  await visit(root);
  return found;
}

async function countEntries(root: string): Promise<number> {
  const info = await lstat(root);
  if (!info.isDirectory()) return 1;
  let n = 1;
  for (const name of await readdir(root)) n += await countEntries(join(root, name));
  return n;
}

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

  it("keeps the data folder private: 0700, no file open to group or others, the database on a 0600 Unix socket", async () => {
    expect((await lstat(dataDir)).mode & 0o777).toBe(0o700);
    // After a job ran, so files the engine made while running (relations, WAL, objects, certs) count too.
    expect(await countEntries(dataDir)).toBeGreaterThan(500);
    expect(await openToOthers(dataDir)).toEqual([]);
    const info = JSON.parse(await readFile(join(dataDir, "embedded.json"), "utf8"));
    const url = new URL(info.url);
    const socketDir = url.searchParams.get("host")!;
    expect(socketDir).toBe(join(dataDir, "run")); // a Unix socket, no TCP port anyone could reach
    const socket = await lstat(join(socketDir, ".s.PGSQL.5432"));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });

  it("refuses a shared folder such as /tmp as its data folder instead of closing it to everyone", async () => {
    await expect(startTestKinema({ env: { KINEMA_DATA_DIR: tmpdir() } })).rejects.toThrow(/shared folder/);
    expect((await lstat(tmpdir())).mode & 0o1777).toBe(0o1777);
  });

  // Only root can act as another user; elsewhere the modes above are the check.
  it.skipIf(process.getuid?.() !== 0)("refuses another local user the database socket and the files", async () => {
    const info = JSON.parse(await readFile(join(dataDir, "embedded.json"), "utf8"));
    const socketPath = join(new URL(info.url).searchParams.get("host")!, ".s.PGSQL.5432");
    const probe = `
      const net = require("node:net"), fs = require("node:fs");
      const out = {};
      try { fs.readFileSync(process.argv[2]); out.read = "ok"; } catch (e) { out.read = e.code; }
      const s = net.connect({ path: process.argv[1] });
      s.on("connect", () => { out.connect = "ok"; console.log(JSON.stringify(out)); s.destroy(); });
      s.on("error", (e) => { out.connect = e.code; console.log(JSON.stringify(out)); });`;
    const { stdout } = await run(process.execPath, ["-e", probe, socketPath, join(dataDir, "embedded.json")], { uid: 65534, gid: 65534, cwd: tmpdir() });
    expect(JSON.parse(stdout)).toEqual({ read: "EACCES", connect: "EACCES" });
    // The same probe as this user connects and reads: the refusal above is about who asks.
    const { stdout: own } = await run(process.execPath, ["-e", probe, socketPath, join(dataDir, "embedded.json")]);
    expect(JSON.parse(own)).toEqual({ read: "ok", connect: "ok" });
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
      // The most verbose log level: every line the process could log is in the stream we search.
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        env: { ...process.env, DATABASE_URL: "", KINEMA_DATA_DIR: dir, PORT: "0", KINEMA_API_METRICS_PORT: "0", LOG_LEVEL: "trace" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      let out = "";
      let banner = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      child.stderr.on("data", (chunk) => (banner += chunk));
      // waits, not limits: PGlite, the migrations and the model take far longer to start on a loaded machine
      const url = await waitFor(async () => /running: (\S+)/.exec(banner)?.[1], 90_000, "the URL");
      const key = /API key: (\S+)/.exec(banner)![1]!;
      // The banner names the web page and the operators' metrics port; /metrics is not on the public port.
      expect(banner).toContain(`web page (Kinema Studio): ${new URL(url).origin}/`);
      const metricsUrl = /metrics \(operators only\): (\S+)/.exec(banner)![1]!;
      expect(new URL(metricsUrl).port).not.toBe(new URL(url).port);
      expect(await (await fetch(metricsUrl)).text()).toContain('kinema_claims_total{tier="PLUS"}');
      expect((await fetch(new URL("/metrics", url))).status).toBe(404);
      const client = new GraphQLTestClient(url, key);
      const { me } = await client.data(`{ me { tier } }`);
      expect(me).toEqual({ tier: "PLUS" });
      // Requests that carry keys where a careless log line would catch them: a bad key, a key in a
      // socket's connection_init, a new key made and revoked.
      expect((await new GraphQLTestClient(url, "kin_not-a-real-key").request(`{ me { id } }`)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      const { createApiKey } = await client.data(`mutation { createApiKey(input: { name: "t" }) { key apiKey { id } } }`);
      await client.data(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } } }`, { id: createApiKey.apiKey.id });
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
      // The secrets the log stream must not hold, read from the running database through its socket.
      const info = JSON.parse(await readFile(join(dir, "embedded.json"), "utf8"));
      const db = new pg.Client({ connectionString: info.url });
      await db.connect();
      const { rows } = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = 'url_signing_secret'`);
      await db.end();
      const secrets = [key, hashApiKey(key), createApiKey.key, hashApiKey(createApiKey.key), rows[0]!.value, Buffer.from(rows[0]!.value, "base64url").toString("hex")];
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(existsSync(join(dir, "embedded.json"))).toBe(false);
      const lines = out.split("\n").filter(Boolean);
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow(); // only pino lines on stdout
      for (const secret of secrets) expect(out).not.toContain(secret);
      expect(out).not.toContain("kin_");
      expect(banner).toContain(`demo account (PLUS) API key: ${key}`);
      expect(await openToOthers(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
