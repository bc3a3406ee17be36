// Child processes spawned from this process: what a process that runs no workers uses (the CLI,
// scripts, an API-only process). A process with workers uses helper.ts instead (run.ts says why).
import { spawn } from "node:child_process";
import { appendStderr, ProcessStartError, type ProcessExit, type ProcessRunner } from "./types.js";

export const directRunner: ProcessRunner = {
  run(command, args, stdin) {
    return new Promise<ProcessExit>((resolve, reject) => {
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(command, args, { stdio: [stdin ? "pipe" : "ignore", "ignore", "pipe"] });
      } catch (error) {
        // some errors are thrown, not emitted (an argument with a NUL byte, E2BIG): typed the same
        return reject(new ProcessStartError((error as Error).message, { cause: error }));
      }
      let stderr = "";
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (chunk: string) => (stderr = appendStderr(stderr, chunk)));
      child.once("error", (error) => reject(new ProcessStartError(error.message, { cause: error })));
      child.once("close", (code, signal) => resolve({ code, signal, stderr }));
      if (stdin && child.stdin) {
        child.stdin.on("error", () => {}); // a child exiting early closes the pipe; its exit says why
        for (const buffer of stdin) child.stdin.write(buffer);
        child.stdin.end();
      }
    });
  },
};
