// `npm run test:faults`: the fault-injection harness (test/faults/*.faults.ts), apart from `npm test`
// because it runs a worker process per crash point (minutes). CI runs it after `npm test`.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  ...base,
  test: { ...base.test, include: ["test/faults/**/*.faults.ts"], testTimeout: 1_800_000, maxWorkers: 1 },
});
