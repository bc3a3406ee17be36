// The progress of a job on stderr. On a terminal: one line, redrawn in place (queue position while
// queued; then stage, a step bar k/N and the ETA). Elsewhere (logs, pipes): a line per status or stage
// change and about every 10% of the steps, so a log stays short and readable.
import type { JobStage, JobStatus } from "../jobs/states.js";
import { formatSeconds } from "./format.js";

export interface ProgressState {
  status: JobStatus;
  stage: JobStage;
  queuePosition: number | null;
  step: number;
  totalSteps: number;
  etaSeconds: number | null;
}

export interface DisplayStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const STAGES: Record<JobStage, string> = {
  PREFILTER: "checking the prompt", QUEUED: "queued", DENOISING: "denoising", DECODING: "decoding",
  POSTFILTER: "checking the video", SIGNING: "signing", UPLOADING: "uploading", DONE: "done",
};
const BAR_WIDTH = 20;
const QUEUE_LINE_EVERY_MS = 10_000;

export class ProgressDisplay {
  private readonly tty: boolean;
  private last: ProgressState | null = null;
  private drawn = false; // TTY: a progress line is on screen
  private paused = false;
  private printedKey = "";
  private printedTenth = -1;
  private printedQueueAt = 0;
  private printedPosition: number | null = null;
  private readonly now: () => number;

  constructor(private readonly out: DisplayStream, options: { tty?: boolean; now?: () => number } = {}) {
    this.tty = options.tty ?? Boolean(out.isTTY);
    this.now = options.now ?? Date.now;
  }

  update(state: ProgressState): void {
    this.last = state;
    if (this.paused) return;
    if (this.tty) this.draw();
    else this.log(state);
  }

  /** A message on a line of its own, keeping the progress line below it. */
  note(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    if (this.tty && !this.paused) this.draw();
  }

  /** Stops drawing (e.g. while asking a question); `resume` draws the latest state again. */
  pause(): void {
    this.clear();
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.tty) this.draw();
  }

  /** Ends the display: the last line stays on screen. */
  finish(): void {
    if (this.tty && this.drawn) this.out.write("\n");
    this.drawn = false;
    this.paused = true;
  }

  private draw(): void {
    if (!this.last) return;
    let line = describe(this.last, true);
    const width = (this.out.columns || 80) - 1; // a pty without a size reports 0
    if (line.length > width) line = line.slice(0, Math.max(0, width));
    this.out.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.tty && this.drawn) this.out.write("\r\x1b[K");
    this.drawn = false;
  }

  private log(state: ProgressState): void {
    const key = `${state.status}/${state.stage}`;
    const tenth = state.totalSteps > 0 ? Math.floor((state.step * 10) / state.totalSteps) : 0;
    const now = this.now();
    let print = false;
    if (key !== this.printedKey) print = true;
    else if (state.status === "RUNNING" && tenth > this.printedTenth) print = true;
    else if (state.status === "QUEUED" && state.queuePosition !== this.printedPosition && now - this.printedQueueAt >= QUEUE_LINE_EVERY_MS) print = true;
    if (!print) return;
    this.printedKey = key;
    this.printedTenth = tenth;
    this.printedPosition = state.queuePosition;
    if (state.status === "QUEUED") this.printedQueueAt = now;
    this.out.write(`${describe(state, false)}\n`);
  }
}

function queue(ahead: number | null): string {
  if (ahead == null) return "";
  return ahead === 0 ? ", next in line" : `, ${ahead} job${ahead === 1 ? "" : "s"} ahead`;
}

/** One line for a state: "queued, 3 jobs ahead  ETA 42s" or "denoising  [#####...] 12/30  ETA 8s". */
export function describe(state: ProgressState, bar: boolean): string {
  const eta = state.etaSeconds != null && state.status !== "SUCCEEDED" ? `  ETA ${formatSeconds(state.etaSeconds)}` : "";
  switch (state.status) {
    case "QUEUED":
      return `queued${queue(state.queuePosition)}${eta}`;
    case "RUNNING": {
      const total = Math.max(state.totalSteps, 0);
      const step = Math.min(state.step, total);
      const steps = `${step}/${total}`;
      const percent = total > 0 ? Math.floor((step * 100) / total) : 0;
      const label = STAGES[state.stage].padEnd(10);
      if (!bar) return state.stage === "DENOISING" || step < total ? `${label}  step ${steps} (${percent}%)${eta}` : `${label}${eta}`.trimEnd();
      const filled = total > 0 ? Math.round((step * BAR_WIDTH) / total) : 0;
      return `${label}  [${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${steps}${eta}`;
    }
    default:
      return state.status.toLowerCase();
  }
}
