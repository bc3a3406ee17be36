#!/usr/bin/env node
// The `kinema` command (package.json "bin"): runs src/cli/main.ts through tsx, resolved from this
// package (so it works from any directory). The child gets the terminal's Ctrl-C itself (so `generate`
// can ask whether to cancel); this wrapper ignores it and passes other termination signals on.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), main, ...process.argv.slice(2)], { stdio: "inherit" });
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)));
