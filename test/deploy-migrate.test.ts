// The `migrate` role without the image (`npm run migrate` is what the image runs): it migrates an empty
// database and exits 0; `--wait` applies nothing, exits 1 at its timeout while migrations are missing and
// 0 once they are there; a database whose applied migration differs from this build's is refused.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations } from "../src/db/migrate.js";
import { pendingMigrations, SchemaMismatchError, waitForSchema } from "../src/db/schema-wait.js";
import { createScratchDatabase, type ScratchDatabase } from "../src/db/scratch.js";
import { ADMIN_URL } from "./helpers/db.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
let db: ScratchDatabase;
let names: string[];

function runMigrate(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/migrate-main.ts", ...args], {
    cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => { output += d; });
  child.stderr.on("data", (d: Buffer) => { output += d; });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

async function withClient<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createScratchDatabase(ADMIN_URL, "kinema_deploy_migrate"); // empty
  names = (await loadMigrations()).map((m) => m.name);
});
afterAll(async () => {
  await db?.drop();
});

describe("npm run migrate", () => {
  it("--wait gives up at its timeout on an empty database, applying nothing", async () => {
    const { code, output } = await runMigrate(["--wait", "--timeout", "1"]);
    expect(code).toBe(1);
    expect(output).toContain(`still missing ${names.join(", ")}`);
    expect(await withClient((c) => pendingMigrations(c))).toEqual(names);
  });

  it("migrates and exits 0; then --wait exits 0 at once", async () => {
    const first = await runMigrate([]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.output.trim().split("\n").pop()!)).toMatchObject({ msg: "applied migrations", applied: names });
    expect(await withClient((c) => pendingMigrations(c))).toEqual([]);
    expect((await runMigrate(["--wait"])).code).toBe(0);
  });

  it("refuses a schema whose applied migration has other contents, without waiting it out", async () => {
    await withClient((c) => c.query(`UPDATE "_prisma_migrations" SET checksum = 'edited' WHERE migration_name = $1`, [names[0]]));
    const started = Date.now();
    await expect(waitForSchema(async () => { const c = new pg.Client({ connectionString: db.url }); await c.connect(); return c; }, { timeoutMs: 30_000, pollMs: 100 }))
      .rejects.toBeInstanceOf(SchemaMismatchError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
