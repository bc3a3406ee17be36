// Server mode as the README runs it: `npm start` with DATABASE_URL (the API and the studio, no embedded
// database, no worker), `kinema accounts create` as a real process against DATABASE_URL, and a separate
// worker process (`npm run worker`) that claims and finishes the job submitted with that key.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { waitFor } from "./helpers/app.js";
import { ensureStudioBuilt } from "./helpers/browser.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { GENERATE, GraphQLTestClient } from "./helpers/graphql.js";
import { spawnWorker, type WorkerProcess } from "./helpers/processes.js";

const run = promisify(execFile);
let db: TestDatabase;
let pool: pg.Pool;
let dataDir: string;
let server: { child: ChildProcess; exited: Promise<number | null>; out: () => string } | null = null;
let worker: WorkerProcess | null = null;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  dataDir = await mkdtemp(join(tmpdir(), "kinema-server-mode-"));
  await ensureStudioBuilt();
}, 180_000);
afterAll(async () => {
  for (const child of [server?.child, worker?.child]) child?.kill("SIGKILL");
  await Promise.all([server?.exited, worker?.exited]);
  await pool?.end();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** `npm start`'s own command (package.json's scripts.start), run directly so its exit code is ours to see. */
function npmStart(env: Record<string, string>) {
  const command = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } }).scripts.start.split(" ");
  expect(command[0]).toBe("node");
  const child = spawn(process.execPath, command.slice(1), { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  // The banner (URL) goes to stderr, the JSON log to stdout: both are read as one transcript.
  let out = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  child.stderr!.on("data", (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, exited, out: () => out };
}

async function kinemaCli(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    env: { ...process.env, DATABASE_URL: db.url, KINEMA_DATA_DIR: dataDir }, timeout: 120_000,
  });
  return stdout;
}

describe("npm start with DATABASE_URL", () => {
  it("serves the API and the studio from that database, runs no worker, and a worker process finishes its job", async () => {
    server = npmStart({ DATABASE_URL: db.url, KINEMA_DATA_DIR: dataDir, PORT: "0", KINEMA_API_METRICS_PORT: "0", LOG_LEVEL: "warn", KINEMA_STAGES_MODULE: "test/fixtures/stages.ts" });
    const url = await waitFor(async () => /running: (\S+)/.exec(server!.out())?.[1], 90_000, "the URL");
    // Not embedded: no PGlite, no demo account, nothing written under the data directory.
    expect(server.out()).not.toMatch(/embedded database|demo account/);
    expect(existsSync(join(dataDir, "pgdata")) || existsSync(join(dataDir, "embedded.json"))).toBe(false);

    // `kinema accounts create` as a person runs it, against DATABASE_URL.
    const created = JSON.parse(await kinemaCli(["accounts", "create", "--tier", "PLUS", "--name", "server-mode", "--json"]));
    expect(created).toMatchObject({ name: "server-mode", tier: "PLUS", role: "USER" });
    expect(created.apiKey).toMatch(/^kin_/);
    const stored = await pool.query(`SELECT a.name, a.tier, k.prefix FROM accounts a JOIN api_keys k ON k.account_id = a.id WHERE a.id = $1`, [created.id]);
    expect(stored.rows).toEqual([{ name: "server-mode", tier: "PLUS", prefix: created.apiKey.slice(0, 12) }]);
    const admin = JSON.parse(await kinemaCli(["accounts", "create", "--tier", "FREE", "--admin", "--json"]));
    expect(admin).toMatchObject({ tier: "FREE", role: "ADMIN" });
    const support = JSON.parse(await kinemaCli(["accounts", "create", "--tier", "PLUS", "--role", "support", "--json"]));
    expect(support).toMatchObject({ tier: "PLUS", role: "SUPPORT" });
    await expect(kinemaCli(["accounts", "create", "--tier", "FREE", "--role", "ROOT"])).rejects.toMatchObject({ stderr: expect.stringContaining("--role must be USER, SUPPORT or ADMIN") });
    // Its plain output: the account and the key, once.
    const plain = await kinemaCli(["accounts", "create", "--tier", "FREE"]);
    expect(plain).toMatch(/^account [0-9a-f-]{36} \(free-account, FREE, USER\)\nAPI key \(shown once\): kin_\S+\n$/);
    expect(await readdir(dataDir)).toEqual([]);

    // The keys work against the server: the API, an admin-only field, and the studio page.
    const client = new GraphQLTestClient(url, created.apiKey);
    expect((await client.data(`{ me { id tier role } }`)).me).toEqual({ id: created.id, tier: "PLUS", role: "USER" });
    expect((await new GraphQLTestClient(url, admin.apiKey).data(`{ safetyRuleSetVersion }`)).safetyRuleSetVersion).toBeGreaterThanOrEqual(1);
    // The role comes from the key: the support key reads operational figures, the customer's is refused.
    expect((await new GraphQLTestClient(url, support.apiKey).data(`{ alarms { name } }`)).alarms).toHaveLength(5);
    expect((await client.request(`{ alarms { name } }`)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const studio = await fetch(new URL("/", url));
    expect(studio.status).toBe(200);
    expect(await studio.text()).toContain("<title>Kinema Studio</title>");

    const { generateVideo } = await client.data(GENERATE, { input: { prompt: "a green triangle moving right", durationSeconds: 1, resolution: "R480P" } });
    expect(generateVideo.userErrors).toEqual([]);
    const id = generateVideo.job.id as string;
    // No worker in `npm start` with DATABASE_URL: nobody claims it.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await pool.query(`SELECT status, attempts FROM jobs WHERE id = $1`, [id])).rows[0]).toEqual({ status: "QUEUED", attempts: 0 });
    expect((await pool.query(`SELECT count(*)::int AS n FROM workers`)).rows[0].n).toBe(0);

    worker = spawnWorker(db.url, "server-mode-worker", { TEST_MS_PER_STEP: "0" });
    const job = await waitFor(async () => {
      const { job } = await client.data(`query($id: ID!) { job(id: $id) { status stepsCompleted video { url } } }`, { id });
      return job.status === "SUCCEEDED" ? job : null;
    }, 90_000, "the worker to finish the job");
    expect(job.stepsCompleted).toBe(50);
    expect((await pool.query(`SELECT lease_owner, attempts FROM jobs WHERE id = $1`, [id])).rows[0]).toEqual({ lease_owner: null, attempts: 1 });
    expect((await pool.query(`SELECT metadata->'stageMs' ? 'DENOISING' AS ran FROM jobs WHERE id = $1`, [id])).rows[0].ran).toBe(true);

    worker.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    expect(await Promise.all([worker.exited, server.exited])).toEqual([0, 0]);
  }, 300_000);
});
