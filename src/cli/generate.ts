// `kinema generate "PROMPT" [--resolution R] [--duration S] [--seed N] [--out FILE] [--json]`: submits a
// job (with an idempotency key, so the command's own retries never make two jobs), follows its progress
// over the socket, and saves the clip.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom, type KinemaClient } from "./client.js";
import { CANCEL, GENERATE, JOB, type JobDetail, type JobProgress, type UserError } from "./documents.js";
import { download, DownloadError, outputPath } from "./download.js";
import { CliError } from "./errors.js";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, ExitError } from "./exit.js";
import { followJob } from "./follow.js";
import { formatBytes, formatTime, userErrorLine } from "./format.js";
import { CancelOnInterrupt } from "./interrupt.js";
import { ProgressDisplay } from "./progress-display.js";

export const GENERATE_HELP = `Usage: kinema generate "PROMPT" [--resolution RES] [--duration SECONDS] [--seed N]
                       [--negative TEXT] [--deadline SECONDS] [--out FILE] [--idempotency-key KEY] [--json]

Submits a text-to-video job, follows its progress and saves the clip as an MP4.

Options:
  --resolution RES         R480P (default), R720P or R1080P (also 480p, 720p, 1080p),
                           up to what your tier allows
  --duration SECONDS       1 to 10 (default 4)
  --seed N                 0 to 2147483647; the same seed, prompt and settings give the same
                           video (default: chosen by the server, shown when the job starts)
  --negative TEXT          a negative prompt: guidance steers the video away from it (up to 2000
                           characters, checked like the prompt)
  --deadline SECONDS       1 to 86400: if no worker has started the job by then it EXPIRES
                           (never runs, costs nothing, not counted against your daily quota)
  --out FILE               where to save the clip (default: kinema-<job id>.mp4 in the current
                           directory; a directory: that name inside it)
  --idempotency-key KEY    running again with the same key follows the first job instead of
                           making another (default: a fresh key each run)
  --json                   print the finished job and the file as one JSON object on stdout

Progress goes to stderr: on a terminal one line redrawn in place (queue position, stage,
step bar, ETA); otherwise a line per stage and about every 10% of the steps. A dropped
connection is re-established (up to 5 tries in a row).

Ctrl-C: on a terminal asks "Cancel job <id>? [y/N]" (Ctrl-C at the question stops following
and leaves the job running); without one (piped, scripted) it cancels the job. Either way a
cancelled job ends the command with exit code 130.

Exit codes: 0 saved; 1 the job failed, was blocked or cancelled elsewhere, or the server
failed or could not be reached, or the job EXPIRED; 2 usage or input error (INVALID_INPUT,
TIER_LIMIT, bad key) or a limit (RATE_LIMITED, QUOTA_EXCEEDED: the retry-after is shown);
130 cancelled with Ctrl-C.

${CONNECTION_HELP}`;

const RESOLUTIONS: Record<string, string> = {
  R480P: "R480P", "480P": "R480P", "480": "R480P",
  R720P: "R720P", "720P": "R720P", "720": "R720P",
  R1080P: "R1080P", "1080P": "R1080P", "1080": "R1080P",
};
const MAX_INT = 2 ** 31 - 1;

interface GenerateInput {
  prompt: string; resolution?: string; durationSeconds?: number; seed?: number; idempotencyKey: string;
  negativePrompt?: string; deadlineSeconds?: number;
}

export async function generateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      resolution: { type: "string", short: "r" },
      duration: { type: "string", short: "d" },
      seed: { type: "string" },
      negative: { type: "string" },
      deadline: { type: "string" },
      out: { type: "string", short: "o" },
      "idempotency-key": { type: "string" },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) {
    const what = positionals.length === 0 ? "no prompt" : `one prompt, in quotes (got ${positionals.length} arguments)`;
    throw new CliError(`${what}: kinema generate "a red fox running through snow" [options]; see kinema generate --help`);
  }
  const input: GenerateInput = {
    prompt: positionals[0]!,
    resolution: values.resolution === undefined ? undefined : resolution(values.resolution),
    durationSeconds: values.duration === undefined ? undefined : integer("--duration", values.duration.replace(/s$/i, ""), 1),
    seed: values.seed === undefined ? undefined : integer("--seed", values.seed, 0),
    idempotencyKey: values["idempotency-key"] ?? `kinema-cli-${randomUUID()}`,
    negativePrompt: values.negative,
    deadlineSeconds: values.deadline === undefined ? undefined : integer("--deadline", values.deadline.replace(/s$/i, ""), 1),
  };
  const client = connectionFrom(values);
  const fileFor = await outputPath(values.out);
  await new Generation(client, input, values.json).run(fileFor);
}

function resolution(value: string): string {
  const r = RESOLUTIONS[value.toUpperCase()];
  if (!r) throw new CliError(`--resolution must be R480P, R720P or R1080P (or 480p, 720p, 1080p), not ${JSON.stringify(value)}`);
  return r;
}

function integer(flag: string, value: string, min: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > MAX_INT) throw new CliError(`${flag} must be a whole number of at least ${min}, not ${JSON.stringify(value)}`);
  return n;
}

class Generation {
  private readonly display = new ProgressDisplay(process.stderr);
  private readonly aborter = new AbortController();
  private leave!: (error: ExitError) => void;
  private readonly left = new Promise<never>((_, reject) => (this.leave = reject));

  constructor(private readonly client: KinemaClient, private readonly input: GenerateInput, private readonly json: boolean) {}

  async run(fileFor: (jobId: string) => string): Promise<void> {
    const interrupt = new CancelOnInterrupt({
      ask: Boolean(process.stdin.isTTY && process.stderr.isTTY),
      display: this.display,
      cancel: (id) => this.cancel(id),
      leave: (reason) => {
        const error = new ExitError(reason, EXIT_INTERRUPTED);
        this.aborter.abort(error);
        this.leave(error);
      },
    });
    interrupt.start();
    try {
      await Promise.race([this.left, this.generate(interrupt, fileFor)]);
    } finally {
      interrupt.stop();
      this.display.finish();
    }
  }

  private async generate(interrupt: CancelOnInterrupt, fileFor: (jobId: string) => string): Promise<void> {
    const submitted = await this.client.request<{ generateVideo: { job: JobDetail | null; userErrors: UserError[] } }>(
      GENERATE, { input: this.input }, { retries: 2 });
    const { job, userErrors } = submitted.generateVideo;
    if (!job || userErrors.length > 0) {
      if (this.json) console.log(JSON.stringify({ job, userErrors }));
      const lines = userErrors.map((e) => `  ${userErrorLine(e)}`).join("\n");
      throw new ExitError(`the job was not accepted:\n${lines}`, EXIT_USAGE);
    }
    interrupt.submitted(job.id);
    this.display.note(`job ${job.id}: ${job.width}x${job.height} (${job.resolution}), ${job.durationSeconds} s at ${job.fps} fps, seed ${job.seed}, ${job.stepBudget} steps`);

    let reconnecting = false;
    let previous: JobProgress | null = null;
    const last = await followJob(this.client, job.id, {
      signal: this.aborter.signal,
      onEvent: (event) => {
        if (reconnecting) this.display.note("reconnected");
        reconnecting = false;
        if (previous?.status === "RUNNING" && event.status === "QUEUED") {
          // A retry (or a worker handing the job back as it stops): say why, then follow the next attempt.
          const error = event.job.error ? `: ${event.job.error.code}: ${event.job.error.message}` : "";
          this.display.note(`attempt ${event.job.attempts} ended${error}; the job is queued again`);
        }
        previous = event;
        this.display.update(event);
      },
      onReconnecting: (attempt, max, reason, delayMs) => {
        reconnecting = true;
        this.display.note(`lost the connection (${reason}); reconnecting in ${(delayMs / 1000).toFixed(1)} s (${attempt}/${max})`);
      },
    });
    this.display.finish();
    const final = last.job;
    if (final.status === "SUCCEEDED") return this.save(final, fileFor(final.id));
    if (this.json) console.log(JSON.stringify({ job: final }));
    if (final.status === "CANCELLED" && interrupt.requested) throw new ExitError(`job ${final.id} cancelled`, EXIT_INTERRUPTED);
    const why = final.error ? `${final.error.code}: ${final.error.message}` : "no error recorded";
    throw new ExitError(`job ${final.id} ${final.status}: ${why}`, EXIT_FAILED);
  }

  private async save(job: JobDetail, file: string): Promise<void> {
    let video = job.video;
    for (let attempt = 0; ; attempt++) {
      if (!video) throw new ExitError(`job ${job.id} succeeded but has no video`, EXIT_FAILED);
      try {
        await download(video.url, file, video.bytes);
        break;
      } catch (error) {
        const expired = error instanceof DownloadError && [401, 403, 404, 410].includes(error.status ?? 0);
        if (attempt === 0 && expired) {
          // The signed link expired (or was refused): each read of the job signs a fresh one.
          video = (await this.client.request<{ job: JobDetail | null }>(JOB, { id: job.id })).job?.video ?? null;
          continue;
        }
        throw new ExitError(`${(error as Error).message}; the clip stays available: kinema job ${job.id}`, EXIT_FAILED);
      }
    }
    if (this.json) {
      console.log(JSON.stringify({ file, job: { ...job, video } }));
      return;
    }
    const p = video.provenance;
    console.log(`saved ${file} (${formatBytes(video.bytes)}, ${video.width}x${video.height}, ${video.frames} frames at ${video.fps} fps)`);
    console.log(p
      ? `content credentials: ${p.state} (C2PA${p.issuer ? `, issuer ${p.issuer}` : ""}${p.signedAt ? `, signed ${formatTime(p.signedAt)}` : ""})`
      : "content credentials: none reported");
  }

  /** cancelJob; a note for the user, or throws when the request failed. */
  private async cancel(jobId: string): Promise<string> {
    const { cancelJob } = await this.client.request<{ cancelJob: { job: { status: string } | null; userErrors: UserError[] } }>(CANCEL, { id: jobId }, { retries: 2 });
    const finished = cancelJob.userErrors.find((e) => e.code === "JOB_FINISHED");
    if (finished) return `job ${jobId} had already finished (${cancelJob.job?.status ?? "?"})`;
    if (cancelJob.userErrors.length > 0) throw new Error(cancelJob.userErrors.map(userErrorLine).join("; "));
    return cancelJob.job?.status === "RUNNING" ? "the worker stops at its next step" : "";
  }
}
