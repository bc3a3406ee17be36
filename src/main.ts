// `npm start`: the API. With DATABASE_URL it serves that PostgreSQL (workers run as `npm run worker`);
// without it, embedded mode: PGlite under KINEMA_DATA_DIR, the API and one worker in this process, and
// a local demo account whose key is printed next to the URL. The banner goes to stderr, the terminal;
// stdout carries only the JSON log lines, which must never hold a key or a secret (they are often
// shipped to a log store).
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig, type Config } from "./config/config.js";
import { startKinema, type Kinema } from "./app.js";
import { createLogger } from "./log.js";
import { exitOnFatal, stopOnSignals } from "./process.js";
import { startMetricsServer } from "./ops/metrics-server.js";
import { loadStages } from "../workers/stages/load.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger("kinema");
  const embedded = !config.databaseUrl;
  const kinema = await startKinema({
    config, log, api: true,
    workers: embedded && config.embeddedWorker ? 1 : 0,
    stages: (deps) => loadStages(config.stagesModule, deps),
  });
  // Prometheus /metrics on a port of its own (KINEMA_API_METRICS_PORT), never the public API port:
  // what it shows (queue depths, failure codes, fleet size) is for operators, not for the internet.
  const metrics = await startMetricsServer(config.apiMetricsPort, config.host);
  stopOnSignals(async () => { await kinema.stop(); await metrics.close(); }, log);
  const api = new URL(kinema.api!.url);
  const lines = [
    `Kinema is running: ${kinema.api!.url}`,
    `  web page (Kinema Studio): ${api.origin}/`,
    `  GraphQL IDE: open ${kinema.api!.url} in a browser`,
    `  metrics (operators only): http://${api.hostname}:${metrics.port}/metrics`,
  ];
  if (embedded) {
    const key = await demoKey(kinema, config);
    lines.push(`  embedded database: ${join(config.dataDir, "pgdata")}`, `  demo account (PLUS) API key: ${key}`,
      `  try: curl -s ${kinema.api!.url} -H 'content-type: application/json' -H 'authorization: Bearer ${key}' -d '{"query":"{ me { tier } }"}'`);
  }
  process.stderr.write(lines.join("\n") + "\n");
}

/** The local demo account's key: created on first start, kept (readable only by this user) for later starts. */
async function demoKey(kinema: Kinema, config: Config): Promise<string> {
  const path = join(config.dataDir, "demo-api-key");
  const saved = await readFile(path, "utf8").catch(() => "");
  if (saved.trim() && (await kinema.accounts.authenticate(saved.trim()))) return saved.trim();
  const { apiKey } = await kinema.accounts.create({ name: "demo", tier: "PLUS" });
  await writeFile(path, apiKey + "\n", { mode: 0o600 });
  await chmod(path, 0o600);
  return apiKey;
}

main().catch(exitOnFatal);
