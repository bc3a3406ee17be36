// `npm run migrate` (the image's `migrate` role): applies prisma/migrations to DATABASE_URL and exits.
// Concurrent runs are safe: src/db/migrate.ts holds a session advisory lock while it applies, so a
// second migrator waits and then finds nothing to do. That lock needs a session on PostgreSQL itself:
// point DATABASE_URL at the server, never at a transaction-mode pooler (docs/DEPLOY.md).
//
// `--wait` applies nothing: it waits until every migration of this build is applied (by the Job), then
// exits 0; it exits 1 after `--timeout SECONDS` (default 600) so a stuck rollout is visible.
import { parseArgs } from "node:util";
import pg from "pg";
import { loadConfig } from "./config/config.js";
import { migrate } from "./db/migrate.js";
import { waitForSchema } from "./db/schema-wait.js";
import { createLogger } from "./log.js";
import { exitOnFatal } from "./process.js";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { wait: { type: "boolean", default: false }, timeout: { type: "string", default: "600" } }, strict: true });
  const config = loadConfig();
  const url = config.databaseUrl;
  if (!url) throw new Error("migrate needs DATABASE_URL (embedded mode migrates its own database at start)");
  const log = createLogger("kinema-migrate");
  const connect = async () => {
    const client = new pg.Client({ connectionString: url, application_name: "kinema-migrate" });
    client.on("error", () => {}); // a dropped connection fails the query in flight; that is reported
    await client.connect();
    return client;
  };
  const started = performance.now();
  if (values.wait) {
    const timeoutMs = Number(values.timeout) * 1000;
    if (!(timeoutMs > 0)) throw new Error(`--timeout: a number of seconds, not ${values.timeout}`);
    await waitForSchema(connect, { timeoutMs, pollMs: 2_000, onWaiting: (pending) => log.info({ pending }, "waiting for the migrations Job") });
    log.info({ ms: Math.round(performance.now() - started) }, "schema is up to date");
    return;
  }
  const client = await connect();
  try {
    const applied = await migrate(client);
    log.info({ applied, ms: Math.round(performance.now() - started) }, applied.length ? "applied migrations" : "schema is up to date");
  } finally {
    await client.end();
  }
}

main().catch(exitOnFatal);
