// Ctrl-C while `kinema generate` follows a job. On a terminal (stdin and stderr are TTYs) it asks
// "Cancel job <id>? [y/N]": y cancels the job and the command ends (exit 130) once the job is CANCELLED;
// anything else keeps following; Ctrl-C at the question stops following and leaves the job running.
// Without a terminal (a pipe, a service manager) SIGINT cancels the job at once. A second SIGINT while
// the cancellation is under way (a second or more after the first) stops waiting for it.
import { createInterface } from "node:readline";
import type { ProgressDisplay } from "./progress-display.js";

const REPEAT_MS = 1_000;

export interface InterruptOptions {
  /** Ask before cancelling (stdin and stderr are terminals). */
  ask: boolean;
  display: ProgressDisplay;
  /** Asks the server to cancel; resolves to a note for the user. Throws when the request failed. */
  cancel(jobId: string): Promise<string>;
  /** Stop following now (the command ends with exit 130), saying why. */
  leave(reason: string): void;
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
}

export class CancelOnInterrupt {
  private jobId: string | null = null;
  private pending = false; // Ctrl-C came before the job was submitted
  private asking = false;
  /** The user asked for the job to be cancelled. */
  requested = false;
  private lastSignalAt = 0;
  private cancelling: Promise<void> = Promise.resolve();
  private readonly onSignal = () => this.interrupted();

  constructor(private readonly options: InterruptOptions) {}

  start(): void {
    process.on("SIGINT", this.onSignal);
  }

  stop(): void {
    process.off("SIGINT", this.onSignal);
  }

  /** The job now exists; a Ctrl-C that came before cancels it now. */
  submitted(jobId: string): void {
    this.jobId = jobId;
    if (this.pending) void this.requestCancel();
  }

  private interrupted(): void {
    const { display } = this.options;
    if (this.asking) return; // the question's own Ctrl-C handling applies
    // `npm run` forwards the terminal's SIGINT, so one Ctrl-C can arrive twice: ignore a quick repeat.
    const now = Date.now();
    if (now - this.lastSignalAt < REPEAT_MS) return;
    this.lastSignalAt = now;
    if (!this.jobId) {
      if (this.pending) return this.options.leave("interrupted while submitting; `kinema jobs` shows whether a job was created");
      this.pending = true;
      display.note("interrupted: the job will be cancelled as soon as it is submitted (Ctrl-C again to quit at once)");
      return;
    }
    if (this.requested) {
      // Let a cancel request under way reach the server before leaving.
      void this.cancelling.finally(() => this.options.leave(`stopped waiting; job ${this.jobId} was asked to cancel`));
      return;
    }
    if (this.options.ask) void this.askToCancel();
    else void this.requestCancel();
  }

  private async askToCancel(): Promise<void> {
    const { display } = this.options;
    const jobId = this.jobId!;
    this.asking = true;
    display.pause();
    const rl = createInterface({ input: this.options.input ?? process.stdin, output: this.options.output ?? process.stderr, terminal: true });
    const answer = await new Promise<string | null>((resolve) => {
      rl.on("SIGINT", () => resolve(null)); // Ctrl-C at the question
      rl.on("close", () => resolve(""));   // end of input (Ctrl-D)
      rl.question(`Cancel job ${jobId}? [y/N] `, (text) => resolve(text));
    });
    rl.close();
    (this.options.input ?? process.stdin).pause();
    this.asking = false;
    if (answer === null) {
      (this.options.output ?? process.stderr).write("\n");
      return this.options.leave(`stopped following; job ${jobId} keeps running: see \`kinema job ${jobId}\``);
    }
    display.resume();
    if (/^y(es)?$/i.test(answer.trim())) await this.requestCancel();
    else display.note(`job ${jobId} keeps running`);
  }

  private requestCancel(): Promise<void> {
    this.requested = true;
    this.cancelling = this.sendCancel();
    return this.cancelling;
  }

  private async sendCancel(): Promise<void> {
    const jobId = this.jobId!;
    const { display } = this.options;
    display.note(`cancelling job ${jobId}...`);
    try {
      const note = await this.options.cancel(jobId);
      if (note) display.note(note);
    } catch (error) {
      this.requested = false;
      display.note(`could not cancel job ${jobId}: ${(error as Error).message} (Ctrl-C to try again)`);
    }
  }
}
