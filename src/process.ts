// Process plumbing shared by the entry points: stop cleanly on SIGTERM/SIGINT, report fatal errors.
import type { Logger } from "./log.js";

export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "stopping: finishing or handing back the current step");
    stop().then(() => process.exit(0), (error) => {
      log.error({ err: error }, "error while stopping");
      process.exit(1);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

export function exitOnFatal(error: unknown): never {
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && error.cause) console.error("cause:", error.cause);
  process.exit(1);
}
