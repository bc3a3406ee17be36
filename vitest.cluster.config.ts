// `npm run test:cluster`: the multi-node topology (test/cluster/), apart from `npm test` because it runs
// real HAProxy, PgBouncer and a dozen processes for a few minutes. One file at a time, nothing in parallel.
import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/cluster/**/*.test.ts"],
    exclude: configDefaults.exclude,
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
