// The re-scan's Prometheus series, on the process registry (src/ops/metrics.ts).
import { Counter, Gauge } from "prom-client";
import { registry } from "../../ops/metrics.js";

export const rescanRuns = new Counter({
  name: "kinema_rescan_runs_total",
  help: "Runs of the rolling re-scan of delivered clips (by the elected process).",
  registers: [registry],
});

export const rescanClips = new Counter({
  name: "kinema_rescan_clips_total",
  help: "Delivered clips re-scanned, by outcome (clean, hit, error).",
  labelNames: ["outcome"], registers: [registry],
});

export const rescanHits = new Counter({
  name: "kinema_rescan_hits_total",
  help: "Re-scan hits (clips taken down after delivery), by post-filter category.",
  labelNames: ["category"], registers: [registry],
});

export const rescanLastRun = new Gauge({
  name: "kinema_rescan_last_run_timestamp_seconds",
  help: "When the last re-scan run finished (Unix time).",
  registers: [registry],
});
