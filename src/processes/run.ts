// Which adapter runs child processes. A long-running process that denoises (startKinema with workers)
// calls startProcessHelper() early, while it is small; every later child is then spawned by the helper
// (helper.ts). Why: fork() marks every writable page of the forking process copy-on-write, and the next
// write to each one faults, however soon the child execs. In a worker, onnxruntime's arenas are written
// on every denoising step: after each ffmpeg the worker ran, the next job's first steps took longer
// (bench:denoise's "first 3 steps" excess at the default CPU geometry: 48.8 ms a job before the helper,
// 2.8-4.4 ms after; the page faults behind it are what test/process-helper.test.ts asserts). Processes with no workers (the CLI, scripts, an API-only
// process) spawn directly.
import { directRunner } from "./direct.js";
import { HelperRunner } from "./helper.js";
import type { ProcessExit, ProcessRunner } from "./types.js";

export { ProcessStartError, type ProcessExit } from "./types.js";

let onHelperExit: (pid: number | undefined, why: string) => void = () => {};
const helper = new HelperRunner((pid, why) => onHelperExit(pid, why));
let runner: ProcessRunner = directRunner;

/**
 * From now on this process's children are spawned by the helper; returns the helper's process id.
 * `onExit` hears of every helper that goes (the next call forks a new one, a fork of this process).
 */
export function startProcessHelper(onExit?: (pid: number | undefined, why: string) => void): number {
  if (onExit) onHelperExit = onExit;
  runner = helper;
  return helper.start();
}

/** Runs a child process to its end (ProcessStartError when it cannot be started). */
export function runProcess(command: string, args: readonly string[], stdin?: readonly Buffer[]): Promise<ProcessExit> {
  return runner.run(command, args, stdin);
}
