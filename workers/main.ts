// `npm run worker`: one worker process against the PostgreSQL server in DATABASE_URL. Run any number,
// on any number of machines; they share the queue through leases.
import { loadConfig } from "../src/config/config.js";
import { startKinema } from "../src/app.js";
import { createLogger } from "../src/log.js";
import { exitOnFatal, stopOnSignals } from "../src/process.js";
import { startMetricsServer } from "../src/ops/metrics-server.js";
import { loadStages } from "./stages/load.js";

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error("a worker process needs DATABASE_URL (embedded mode runs its worker inside `npm start`)");
  const log = createLogger("kinema-worker");
  // First, so a taken port fails the process before it claims anything.
  const metrics = await startMetricsServer(config.metricsPort, config.host);
  const kinema = await startKinema({ config, log, api: false, workers: 1, stages: (deps) => loadStages(config.stagesModule, deps) });
  stopOnSignals(async () => { await kinema.stop(); await metrics.close(); }, log);
  log.info({ workerId: kinema.workers[0]!.id, metricsPort: metrics.port }, "worker started");
}

main().catch(exitOnFatal);
