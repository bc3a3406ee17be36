// Which pipeline a worker runs: the production stages, or those of KINEMA_STAGES_MODULE (a module
// exporting `stages(deps): Stage[]`), which lets tests and experiments run the real worker with their own.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { Stage } from "../pipeline.js";
import { productionStages, type StageDeps } from "./index.js";

export async function loadStages(modulePath: string | undefined, deps: StageDeps): Promise<Stage[]> {
  if (!modulePath) return productionStages(deps);
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as { stages?: (deps: StageDeps) => Stage[] };
  if (typeof mod.stages !== "function") throw new Error(`${modulePath} does not export a stages() function`);
  return mod.stages(deps);
}
