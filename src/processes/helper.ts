// Child processes spawned by a small helper process (helper-child.mjs), forked once, instead of by this
// one. run.ts says why. Requests and replies cross the helper's IPC channel as small JSON messages; a
// standard input is written to a temporary file that the helper opens for the child, so no bytes are
// relayed. One helper per process, started on first use or by startProcessHelper(); it never keeps
// this process alive (unreferenced while nothing runs), it exits when this process goes, killing
// what it still runs, and a helper that died is replaced on the next call.
import { type ChildProcess, fork } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessStartError, type ProcessExit, type ProcessRunner } from "./types.js";

type Reply = { id: number; error?: string } & Partial<ProcessExit>;
interface Pending { resolve: (reply: Reply) => void; reject: (error: Error) => void }

const CHILD = fileURLToPath(new URL("./helper-child.mjs", import.meta.url));

export class HelperRunner implements ProcessRunner {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** The helper's process id, starting it if it is not running. */
  start(): number {
    return this.helper().pid ?? -1;
  }

  async run(command: string, args: readonly string[], stdin?: readonly Buffer[]): Promise<ProcessExit> {
    const dir = stdin ? await mkdtemp(join(tmpdir(), "kinema-stdin-")) : null;
    try {
      const stdinPath = dir ? join(dir, "stdin") : null;
      if (stdinPath) await writeFile(stdinPath, stdin!);
      const reply = await this.call({ command, args, stdin: stdinPath });
      if (reply.error !== undefined) throw new ProcessStartError(reply.error);
      return { code: reply.code ?? null, signal: reply.signal ?? null, stderr: reply.stderr ?? "" };
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  private call(request: { command: string; args: readonly string[]; stdin: string | null }): Promise<Reply> {
    const child = this.helper();
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.hold(child, true);
      child.send({ id, ...request });
    });
  }

  private helper(): ChildProcess {
    if (this.child) return this.child;
    // execArgv empty: the helper is plain JavaScript and needs none of this process's loaders or flags
    const child = fork(CHILD, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" });
    child.on("message", (reply: Reply) => {
      const request = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.hold(child, false);
      request?.resolve(reply);
    });
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = null;
      const error = new Error(`the process helper ${why}`);
      for (const request of this.pending.values()) request.reject(error);
      this.pending.clear();
    };
    child.once("error", (error) => gone(`failed: ${error.message}`));
    child.once("exit", (code, signal) => gone(`exited (${signal ?? code})`));
    this.hold(child, false);
    this.child = child;
    return child;
  }

  /** While a request is in flight the helper keeps this process alive, as a direct child would. */
  private hold(child: ChildProcess, busy: boolean): void {
    if (busy) { child.ref(); child.channel?.ref(); } else { child.unref(); child.channel?.unref(); }
  }
}
