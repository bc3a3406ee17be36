// Migrations (src/db/migrate.ts over prisma/migrations) against real PostgreSQL, on empty databases made
// for each case: a migration edited after it was applied is refused (in a real `npm start` too); a
// failing migration leaves nothing of itself behind and is not recorded; processes and connections that
// migrate at once apply each migration exactly once; and a database with rows at every earlier version
// upgrades to the latest with its rows intact and usable by the API and a worker.
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newApiKey } from "../src/accounts/keys.js";
import { loadMigrations, migrate, MIGRATIONS_DIR } from "../src/db/migrate.js";
import { createScratchDatabase, type ScratchDatabase } from "../src/db/scratch.js";
import { ADMIN_URL } from "./helpers/db.js";
import { startTestKinema, waitFor } from "./helpers/app.js";
import { deliveringStage, steppingStage } from "./fixtures/stages.js";

let scratch: string;
const databases: ScratchDatabase[] = [];
const clients: pg.Client[] = [];
let names: string[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "kinema-migrations-"));
  names = (await loadMigrations()).map((m) => m.name);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})));
});
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
  await rm(scratch, { recursive: true, force: true });
});

/** An empty database (no template: nothing migrated). */
async function emptyDatabase(): Promise<ScratchDatabase> {
  const db = await createScratchDatabase(ADMIN_URL, "kinema_migrate");
  databases.push(db);
  return db;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

let dirs = 0;
/** A migrations folder with the first `count` real migrations, then `extra` ones (name -> SQL). */
async function migrationsDir(count: number, extra: Record<string, string> = {}): Promise<string> {
  const dir = join(scratch, `m${dirs++}`) + "/";
  await mkdir(dir);
  for (const name of names.slice(0, count)) await cp(join(MIGRATIONS_DIR, name), join(dir, name), { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function recorded(client: pg.ClientBase): Promise<{ migration_name: string; finished: boolean }[]> {
  const { rows } = await client.query(`SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name`);
  return rows;
}

async function tableExists(client: pg.ClientBase, name: string): Promise<boolean> {
  return (await client.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [name])).rows[0].ok;
}

describe("an edited migration", () => {
  it("is refused by name, and nothing after it is applied", async () => {
    const db = await emptyDatabase();
    const client = await connect(db.url);
    expect(await migrate(client, await migrationsDir(3))).toEqual(names.slice(0, 3));
    const original = (await readdir(MIGRATIONS_DIR)).length;
    expect(original).toBeGreaterThan(3);
    // 0002 changed after it was applied, and a new migration behind it.
    const edited = await migrationsDir(names.length);
    await writeFile(join(edited, names[1]!, "migration.sql"), "-- a harmless-looking edit\nCREATE TABLE edited_marker (id int);\n", { flag: "a" });
    await expect(migrate(client, edited)).rejects.toThrow(`migration ${names[1]} was edited after it was applied (checksum differs)`);
    expect(await tableExists(client, "edited_marker")).toBe(false);
    expect((await recorded(client)).map((r) => r.migration_name)).toEqual(names.slice(0, 3));
  });

  it("stops `npm start` with that message and a non-zero exit, before it serves anything", async () => {
    const db = await emptyDatabase();
    const client = await connect(db.url);
    await migrate(client);
    // What an edited file looks like from the database's side: the recorded checksum differs.
    await client.query(`UPDATE "_prisma_migrations" SET checksum = repeat('0', 64) WHERE migration_name = $1`, [names[0]]);
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, DATABASE_URL: db.url, PORT: "0", KINEMA_API_METRICS_PORT: "0", LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(err).toContain(`migration ${names[0]} was edited after it was applied (checksum differs)`);
    expect(out).not.toContain("running");
  }, 120_000);
});

describe("a failing migration", () => {
  it("is rolled back whole and not recorded; the ones before it stay; fixed, it applies", async () => {
    const db = await emptyDatabase();
    const client = await connect(db.url);
    const good = `CREATE TABLE good_marker (id int);`;
    const broken = `CREATE TABLE half_applied (id int);
      INSERT INTO half_applied VALUES (1);
      ALTER TABLE jobs ADD COLUMN half_column int;
      UPDATE settings SET value = 'changed';
      INSERT INTO settings (key, value) VALUES ('half', 'applied');
      SELECT 1 / 0;`;
    const latest = names.length;
    const dir = await migrationsDir(latest, { "9001_good": good, "9002_broken": broken });
    const failure = await migrate(client, dir).then(() => null, (e: Error) => e);
    expect(failure?.message).toBe("migration 9002_broken failed");
    expect(String((failure?.cause as Error)?.message)).toMatch(/division by zero/);

    expect(await tableExists(client, "half_applied")).toBe(false);
    const column = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'jobs' AND column_name = 'half_column'`);
    expect(column.rowCount).toBe(0);
    expect((await client.query(`SELECT count(*)::int AS n FROM settings WHERE key = 'half'`)).rows[0].n).toBe(0);
    expect(await tableExists(client, "good_marker")).toBe(true);
    expect(await recorded(client)).toEqual([...names, "9001_good"].map((migration_name) => ({ migration_name, finished: true })));

    // The lock was released: another connection can take it at once.
    const other = await connect(db.url);
    const { rows } = await other.query(`SELECT pg_try_advisory_lock(7434729001) AS got`);
    expect(rows[0].got).toBe(true);
    await other.query(`SELECT pg_advisory_unlock(7434729001)`);

    await writeFile(join(dir, "9002_broken", "migration.sql"), `CREATE TABLE half_applied (id int);`);
    expect(await migrate(client, dir)).toEqual(["9002_broken"]);
    expect(await tableExists(client, "half_applied")).toBe(true);
  });
});

describe("migrating at once", () => {
  it("8 connections migrating one empty database together: each migration applied exactly once, no errors", async () => {
    const db = await emptyDatabase();
    const connections = await Promise.all(Array.from({ length: 8 }, () => connect(db.url)));
    const results = await Promise.all(connections.map((c) => migrate(c)));
    expect(results.filter((r) => r.length > 0)).toEqual([names]);
    expect(results.filter((r) => r.length === 0)).toHaveLength(7);
    expect(await recorded(connections[0]!)).toEqual(names.map((migration_name) => ({ migration_name, finished: true })));
  });

  it("two `npm start` and a worker process started on one empty database all wait, then exactly one migrates", async () => {
    const db = await emptyDatabase();
    // Hold the migration lock while they start, so all three are inside migrate() at once.
    const holder = await connect(db.url);
    await holder.query(`SELECT pg_advisory_lock(7434729001)`);
    const env = { DATABASE_URL: db.url, PORT: "0", LOG_LEVEL: "info", KINEMA_ALARM_INTERVAL_MS: "0", KINEMA_METRICS_PORT: "0", KINEMA_API_METRICS_PORT: "0" };
    const entries = [["src/main.ts"], ["src/main.ts"], ["workers/main.ts"]];
    const children = entries.map((entry) => {
      const child = spawn(process.execPath, ["--import", "tsx", ...entry], {
        env: { ...process.env, KINEMA_STAGES_MODULE: "test/fixtures/stages.ts", ...env }, stdio: ["ignore", "pipe", "pipe"],
      });
      const output = { out: "", err: "" };
      child.stdout.on("data", (chunk) => (output.out += chunk));
      child.stderr.on("data", (chunk) => (output.err += chunk));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      return { child, output, exited };
    });
    try {
      await waitFor(async () => {
        const { rows } = await holder.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
        return rows[0].n === 3;
      }, 90_000, "three processes waiting for the migration lock");
      await holder.query(`SELECT pg_advisory_unlock(7434729001)`);
      // The banner goes to stderr (the terminal), the worker's start to the JSON log on stdout.
      const started = (o: { out: string; err: string }) => /Kinema is running/.test(o.err) || /"msg":"worker started"/.test(o.out);
      await waitFor(async () => children.every((c) => started(c.output) || c.child.exitCode !== null), 90_000, "all three to start");
      for (const c of children) expect(started(c.output), c.output.err).toBe(true);

      const applied = children.map((c) => c.output.out.split("\n").filter((l) => l.includes('"msg":"applied migrations"')).map((l) => JSON.parse(l).applied));
      expect(applied.flat()).toEqual([names]);
      expect(await recorded(holder)).toEqual(names.map((migration_name) => ({ migration_name, finished: true })));
      // Nothing on stderr but the banner: no warning, no stack.
      for (const c of children) expect(c.output.err.replace(/^Kinema is running[\s\S]*$/, "")).toBe("");
    } finally {
      for (const c of children) c.child.kill("SIGTERM");
    }
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0, 0]);
  }, 240_000);
});

// Rows a database of any version holds (only columns 0001 made): accounts of every kind, a live and a
// revoked key, and jobs in every state a queue holds, with their JSON.
async function insertRealisticRows(client: pg.ClientBase) {
  const key = newApiKey();
  const revoked = newApiKey();
  const accounts = await client.query(
    `INSERT INTO accounts (name, tier, role) VALUES ('alice', 'PLUS', 'USER'), ('bob', 'FREE', 'USER'), ('root', 'PLUS', 'ADMIN') RETURNING id, name`);
  const id = Object.fromEntries(accounts.rows.map((r) => [r.name, r.id as string]));
  await client.query(`INSERT INTO api_keys (account_id, key_hash, prefix) VALUES ($1, $2, $3)`, [id.alice, key.hash, key.prefix]);
  await client.query(`INSERT INTO api_keys (account_id, key_hash, prefix, revoked_at) VALUES ($1, $2, $3, now())`, [id.alice, revoked.hash, revoked.prefix]);
  const job = (account: string, tier: string, status: string, stage: string, extra: Record<string, unknown> = {}, ago = 0) => client.query(
    `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts,
                       attempts, steps_completed, idempotency_key, lease_owner, lease_expires_at, fencing_token, error_code, error_message,
                       progress, metadata, video, created_at, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, 'R480P', 854, 480, 1, 24, $6, $7, 3, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             now() - $19 * interval '1 second', $20, $21) RETURNING id`,
    [account, tier, status, stage, `${status.toLowerCase()} job of ${tier}`, 4242, tier === "PLUS" ? 50 : 30,
      extra.attempts ?? 0, extra.steps ?? 0, extra.idempotencyKey ?? null, extra.leaseOwner ?? null, extra.leaseExpires ?? null,
      extra.token ?? 0, extra.errorCode ?? null, extra.errorMessage ?? null, JSON.stringify(extra.progress ?? {}),
      JSON.stringify(extra.metadata ?? {}), extra.video ? JSON.stringify(extra.video) : null, ago,
      extra.started ?? null, extra.finished ?? null]);
  const now = new Date();
  await job(id.alice, "PLUS", "SUCCEEDED", "DONE", {
    attempts: 1, steps: 50, token: 1, started: now, finished: now, metadata: { stageMs: { DENOISING: 1000 } },
    video: { key: "videos/old.mp4", width: 854, height: 480, frames: 24, fps: 24, bytes: 1234 },
  }, 50);
  await job(id.alice, "PLUS", "FAILED", "DENOISING", { attempts: 3, token: 2, errorCode: "INTERNAL", errorMessage: "boom", started: now, finished: now }, 40);
  await job(id.alice, "PLUS", "RUNNING", "DENOISING", {
    attempts: 1, steps: 7, token: 3, leaseOwner: "old-worker", leaseExpires: new Date(Date.now() + 3_600_000), started: now, progress: { etaSeconds: 9 },
  }, 30);
  await job(id.bob, "FREE", "CANCELLED", "QUEUED", { finished: now }, 20);
  await job(id.bob, "FREE", "QUEUED", "QUEUED", { idempotencyKey: "retry-1" }, 10);
  return { key: key.key, revokedKey: revoked.key, id };
}

/** Every column 0001 made, of every row, as one digest: the upgrade must not change any of them. */
async function digest(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query(`SELECT
    (SELECT md5(string_agg(a::text, ',' ORDER BY a.id)) FROM (SELECT id, name, tier, role, created_at FROM accounts) a) AS accounts,
    (SELECT md5(string_agg(k::text, ',' ORDER BY k.id)) FROM (SELECT id, account_id, key_hash, prefix, created_at, revoked_at FROM api_keys) k) AS keys,
    (SELECT md5(string_agg(j::text, ',' ORDER BY j.id)) FROM (SELECT id, account_id, tier, status, stage, prompt, resolution, width, height,
       duration_seconds, fps, seed, step_budget, steps_completed, idempotency_key, attempts, max_attempts, run_after, lease_owner,
       lease_expires_at, fencing_token, cancel_requested_at, error_code, error_message, progress, metadata, video, created_at,
       started_at, finished_at, updated_at FROM jobs) j) AS jobs`);
  return JSON.stringify(rows[0]);
}

describe("upgrading a database that has rows", () => {
  it.each(Array.from({ length: 4 }, (_, i) => i + 1))("from the first %i migration(s) to the latest: rows intact, counters right", async (count) => {
    expect(count).toBeLessThan(names.length);
    const db = await emptyDatabase();
    const client = await connect(db.url);
    await migrate(client, await migrationsDir(count));
    const { id } = await insertRealisticRows(client);
    const before = await digest(client);
    expect(await migrate(client)).toEqual(names.slice(count));
    expect(await digest(client)).toBe(before);
    // The scheduler's per-account RUNNING counter (0004) counts the rows that were already running.
    const running = await client.query(`SELECT account_id, running FROM scheduler_account_load ORDER BY running DESC, account_id`);
    expect(running.rows.find((r) => r.account_id === id.alice)?.running).toBe(1);
    expect(running.rows.filter((r) => r.account_id !== id.alice).map((r) => r.running)).toEqual([0, 0]);
  });

  it("from the one before the latest: the API serves the old rows, refuses the revoked key, and a worker runs the old queued job", async () => {
    const db = await emptyDatabase();
    const client = await connect(db.url);
    await migrate(client, await migrationsDir(names.length - 1));
    const rows = await insertRealisticRows(client);
    // Starting Kinema is the upgrade, as in production.
    const app = await startTestKinema({ databaseUrl: db.url, workers: 1, stages: [steppingStage(0), deliveringStage()], env: { KINEMA_ALARM_INTERVAL_MS: "0" } });
    try {
      expect((await recorded(client)).map((r) => r.migration_name)).toEqual(names);
      const alice = app.client(rows.key);
      const { me, jobs } = await alice.data(`{ me { id tier role } jobs { nodes { status stage prompt stepsCompleted attempts error { code message } video { width frames bytes url } } } }`);
      expect(me).toEqual({ id: rows.id.alice, tier: "PLUS", role: "USER" });
      expect(jobs.nodes.map((j: { status: string }) => j.status)).toEqual(["RUNNING", "FAILED", "SUCCEEDED"]);
      expect(jobs.nodes[1].error.code).toBe("INTERNAL");
      expect(jobs.nodes[2].video).toMatchObject({ width: 854, frames: 24, bytes: 1234 });
      expect(jobs.nodes[2].video.url).toContain("videos/old.mp4");
      const refused = await app.client(rows.revokedKey).request(`{ me { id } }`);
      expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      // bob's job, queued before the upgrade, is claimed and finished by today's worker.
      await waitFor(async () => (await client.query(`SELECT status FROM jobs WHERE idempotency_key = 'retry-1'`)).rows[0].status === "SUCCEEDED", 30_000, "the old queued job");
    } finally {
      await app.stop();
    }
  });
});

describe("0028: the burst cap's counters in two rows", () => {
  it("keeps a read-only role's view of them: whoever could read scheduler_accounts can read scheduler_account_load", async () => {
    const db = await emptyDatabase();
    const client = await connect(db.url);
    const before = names.indexOf("0028_claim_path_counters");
    expect(before).toBeGreaterThan(0);
    await migrate(client, await migrationsDir(before));
    const role = `kinema_keda_${process.pid}_${Date.now()}`;
    await client.query(`CREATE ROLE ${role} LOGIN`);
    try {
      await client.query(`GRANT SELECT ON jobs, scheduler_config, scheduler_accounts TO ${role}`);
      const { id } = await insertRealisticRows(client);
      await migrate(client);
      const reader = await connect(db.url.replace("postgres@", `${role}@`));
      const { rows } = await reader.query(`SELECT account_id, running FROM scheduler_account_load WHERE running > 0`);
      expect(rows).toEqual([{ account_id: id.alice, running: 1 }]);
      await reader.end();
    } finally {
      await client.query(`DROP OWNED BY ${role}`);
      await client.query(`DROP ROLE ${role}`);
    }
  });
});
