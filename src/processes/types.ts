// The port for running a child process to its end (ffmpeg, openssl): how it ended and what it wrote
// to stderr. Two adapters: direct.ts (spawned from this process) and helper.ts (spawned by a small
// helper process); run.ts picks one.

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stderr's head and tail when it is long (the stream descriptions and the errors) */
  stderr: string;
}

export interface ProcessRunner {
  /** Runs `command` with `args`, `stdin` (when given) as its standard input; resolves when it has ended. */
  run(command: string, args: readonly string[], stdin?: readonly Buffer[]): Promise<ProcessExit>;
}

/** The command could not be started at all (not found, not executable); the message is the system's. */
export class ProcessStartError extends Error {}

/** stderr kept per child: a head and a tail of this many characters each (helper-child.mjs keeps the same) */
export const STDERR_HALF = 32_000;

/** Appends `chunk`, keeping the head and the tail once the text is long. */
export function appendStderr(stderr: string, chunk: string): string {
  return stderr.length < 2 * STDERR_HALF ? stderr + chunk : stderr.slice(0, STDERR_HALF) + stderr.slice(-STDERR_HALF) + chunk;
}
