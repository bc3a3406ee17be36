import { createRequire } from "node:module";
import { configDefaults, defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/helpers/sequencer.js";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 has no `exports`: Node loads its CommonJS entry for every package, but Vite would pick
    // the `module` (.mjs) entry for our files, and two copies of graphql refuse each other's schemas.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // the cluster topology runs on its own: `npm run test:cluster` (vitest.cluster.config.ts)
    exclude: [...configDefaults.exclude, "test/cluster/**"],
    globalSetup: ["test/helpers/global-setup.ts"],
    pool: "forks",
    // 2 for the 2-core CI machine. KINEMA_TEST_WORKERS tries another count: the suite's processes used
    // ~1,040 CPU-seconds in one run here (PostgreSQL's not counted), against 2 x 794 s of CI's wall time:
    // a file that waits (on a child process, Chromium, a lease) leaves its core idle.
    maxWorkers: Number(process.env.KINEMA_TEST_WORKERS) || 2,
    // the slowest files start first, so none of them is left running alone at the end
    sequence: { sequencer: SlowFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Processes the tests spawn (workers, `npm start`) run the fast untrained model too.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent", KINEMA_MODEL_DIR: "models/kinema-tiny" },
  },
});
