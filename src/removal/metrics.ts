// Removal's metrics, on the process's registry (src/ops/metrics.ts): what left the store and why. A
// counter per process, summed by Prometheus over the fleet, like every other counter there.
import { Counter } from "prom-client";
import { registry } from "../ops/metrics.js";
import type { RemovalReason } from "./sql.js";
import type { RemovedObjects } from "./objects.js";

export const removedObjects = new Counter({
  name: "kinema_outputs_removed_objects_total",
  help: "Job objects (clips, previews, posters, spritesheets, checkpoints) removed from the store, by reason: deleted, retention, takedown, account.",
  labelNames: ["reason"], registers: [registry],
});

export const removedBytes = new Counter({
  name: "kinema_outputs_removed_bytes_total",
  help: "Bytes of job objects removed from the store, by reason: deleted, retention, takedown, account.",
  labelNames: ["reason"], registers: [registry],
});

export const takedowns = new Counter({
  name: "kinema_takedowns_total",
  help: "Jobs taken down under the content policy, by who decided: staff or rescan.",
  labelNames: ["actor"], registers: [registry],
});

export function countRemoval(reason: RemovalReason, removed: RemovedObjects): void {
  removedObjects.inc({ reason }, removed.objects);
  removedBytes.inc({ reason }, removed.bytes);
}
