// Generates the Prisma client (TypeScript, no query-engine binary). Prisma 6's CLI wants DATABASE_URL
// for every command, and without one it tries to download an engine, so a placeholder is set: generate
// never connects.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const cli = "node_modules/prisma/build/index.js";
if (!existsSync(cli)) process.exit(0); // a production install without dev dependencies
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://localhost/unused",
  PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
const result = spawnSync(process.execPath, [cli, "generate", "--no-hints"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
