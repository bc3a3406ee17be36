// The process helper (src/processes/helper.ts): a small Node process that starts the child processes
// its parent asks for and reports how each ended. Plain JavaScript, so it starts without a loader.
// Requests: { id, command, args, stdin: path | null }. Replies: { id, started: pid } once the child
// runs, then { id, code, signal, stderr }; or { id, error } when the command could not be started. When the parent goes (its channel closes,
// whether it exited or was killed), the children still running are killed and the helper exits.
import { spawn } from "node:child_process";
import { openSync, closeSync } from "node:fs";

/** stderr kept per child: its head (stream descriptions) and its tail (the errors), not megabytes of warnings;
 * the same rule as types.ts's appendStderr (this file loads without a TypeScript loader: change both) */
const HALF = 32_000;
const running = new Set();

process.on("message", (request) => {
  let stdinFd = null;
  let child;
  try {
    if (request.stdin) stdinFd = openSync(request.stdin, "r");
    child = spawn(request.command, request.args, { stdio: [stdinFd ?? "ignore", "ignore", "pipe"] });
  } catch (error) {
    if (stdinFd !== null) closeSync(stdinFd);
    if (process.connected) process.send({ id: request.id, error: error.message });
    return;
  }
  running.add(child);
  // its pid, so that the parent can kill it should this helper be killed outright
  // (none when the command could not be started: its "error" event answers instead)
  if (child.pid !== undefined && process.connected) process.send({ id: request.id, started: child.pid });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr = stderr.length < 2 * HALF ? stderr + chunk : stderr.slice(0, HALF) + stderr.slice(-HALF) + chunk;
  });
  let answered = false;
  const answer = (reply) => {
    if (answered) return;
    answered = true;
    running.delete(child);
    if (stdinFd !== null) closeSync(stdinFd);
    if (process.connected) process.send({ id: request.id, ...reply });
  };
  child.once("error", (error) => answer({ error: error.message }));
  child.once("close", (code, signal) => answer({ code, signal, stderr }));
});

// A terminal's Ctrl-C or a service manager's signal to the whole group reaches the helper too: it stays
// while its parent shuts down (finishing or failing what it runs) and goes with it (its channel closes).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => {});

process.on("disconnect", () => {
  for (const child of running) child.kill("SIGKILL");
  process.exit(0);
});
