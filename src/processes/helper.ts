// Child processes spawned by a small helper process (helper-child.mjs), forked once, instead of by this
// one. run.ts says why. Requests and replies cross the helper's IPC channel as small JSON messages; a
// standard input is written to a temporary file that the helper opens for the child, so no bytes are
// relayed. One helper per process, started by startProcessHelper() or on first use; it never keeps
// this process alive (unreferenced while nothing runs) and exits when this process goes, killing what
// it still runs. A helper that goes (killed, crashed, its channel closed) fails what it was running,
// whose children are killed from here, and is replaced on the next call, which forks again.
import { type ChildProcess, fork } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessStartError, type ProcessExit, type ProcessRunner } from "./types.js";

type Reply = { id: number; started?: number; error?: string } & Partial<ProcessExit>;
interface Pending {
  child: ChildProcess;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  /** the request reached the helper's channel (its send callback said so) */
  sent: boolean;
  /** the child's pid, once the helper said it started */
  pid?: number;
}
type Request = { command: string; args: readonly string[]; stdin: string | null };

const CHILD = fileURLToPath(new URL("./helper-child.mjs", import.meta.url));

/** The request could not be handed to the helper: nothing was started, so it may be sent again. */
class NotSentError extends Error {}

export class HelperRunner implements ProcessRunner {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** `onExit`: told when a helper goes (it is replaced on the next call). */
  constructor(private readonly onExit: (pid: number | undefined, why: string) => void = () => {}) {}

  /** The helper's process id, starting it if it is not running. */
  start(): number {
    return this.helper().pid ?? -1;
  }

  async run(command: string, args: readonly string[], stdin?: readonly Buffer[]): Promise<ProcessExit> {
    const dir = stdin ? await mkdtemp(join(tmpdir(), "kinema-stdin-")) : null;
    try {
      const stdinPath = dir ? join(dir, "stdin") : null;
      if (stdinPath) await writeFile(stdinPath, stdin!);
      const request = { command, args, stdin: stdinPath };
      // a helper found gone only as the request was sent started nothing: once more, on a new helper
      const reply = await this.call(request).catch((error: unknown) => {
        if (error instanceof NotSentError) return this.call(request);
        throw error;
      });
      if (reply.error !== undefined) throw new ProcessStartError(reply.error);
      return { code: reply.code ?? null, signal: reply.signal ?? null, stderr: reply.stderr ?? "" };
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  private call(request: Request): Promise<Reply> {
    const child = this.helper();
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const pending: Pending = { child, resolve, reject, sent: false };
      this.pending.set(id, pending);
      this.hold(child, true);
      child.send({ id, ...request }, (error) => {
        if (this.pending.get(id) !== pending) return; // answered already
        if (error) {
          this.pending.delete(id);
          this.gone(child, `could not be reached (${error.message})`);
          reject(new NotSentError(error.message));
        } else if (this.child !== child) {
          // sent to a helper that went meanwhile: no answer will come, whether or not it started
          this.pending.delete(id);
          reject(new Error("the process helper went while the request was sent"));
        } else {
          pending.sent = true;
        }
      });
    });
  }

  private helper(): ChildProcess {
    if (this.child) return this.child;
    // execArgv empty: the helper is plain JavaScript and needs none of this process's loaders or flags
    const child = fork(CHILD, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" });
    child.on("message", (reply: Reply) => {
      const request = this.pending.get(reply.id);
      if (!request) return;
      if (reply.started !== undefined) {
        request.pid = reply.started;
        return;
      }
      this.pending.delete(reply.id);
      if (![...this.pending.values()].some((p) => p.child === child)) this.hold(child, false);
      request.resolve(reply);
    });
    // `on`, not `once`: a send to a closed channel is reported as an error on the child, once per send
    child.on("error", (error) => this.gone(child, `failed: ${error.message}`));
    child.once("disconnect", () => this.gone(child, "closed its channel"));
    child.once("exit", (code, signal) => this.gone(child, `exited (${signal ?? code})`));
    this.hold(child, false);
    this.child = child;
    return child;
  }

  /** The helper is gone: what it ran fails, its children are killed (a helper killed outright left them). */
  private gone(child: ChildProcess, why: string): void {
    if (this.child !== child) return;
    this.child = null;
    this.hold(child, false);
    const error = new Error(`the process helper ${why}`);
    for (const [id, request] of this.pending) {
      // a request not yet through the channel is settled by its send callback (sent again if it failed)
      if (request.child !== child || !request.sent) continue;
      if (request.pid !== undefined) {
        try { process.kill(request.pid, "SIGKILL"); } catch { /* already gone */ }
      }
      this.pending.delete(id);
      request.reject(error);
    }
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    this.onExit(child.pid, why);
  }

  /** While a request is in flight the helper keeps this process alive, as a direct child would. */
  private hold(child: ChildProcess, busy: boolean): void {
    if (busy) { child.ref(); child.channel?.ref(); } else { child.unref(); child.channel?.unref(); }
  }
}
