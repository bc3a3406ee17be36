// `kinema job <id> [--json]`: one job in detail: status and stage, settings, steps, times, the error,
// the video (a fresh signed URL, its expiry and size) and its content credentials.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom } from "./client.js";
import { JOB, type JobDetail } from "./documents.js";
import { download, DownloadError } from "./download.js";
import { CliError } from "./errors.js";
import { EXIT_USAGE, ExitError } from "./exit.js";
import { formatBytes, formatSeconds, formatTime } from "./format.js";

export const JOB_HELP = `Usage: kinema job <id> [--json] [--poster FILE]

Shows one of your jobs in detail: status, stage, prompt, settings, steps, attempts, times,
queue position and ETA while it waits or runs, the error of a failed or blocked job, and for
a finished one the video (a signed URL, fresh on every call, and when it expires; its size)
and its C2PA content credentials, its poster (a JPEG frame with its own credentials) and
spritesheet. Exit code 2 when there is no such job (or it is another account's).

Options:
  --json          print the job as JSON (the API's fields)
  --poster FILE   save the finished job's poster (JPEG) to FILE

${CONNECTION_HELP}`;

export async function jobCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONNECTION_OPTIONS, json: { type: "boolean", default: false }, poster: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new CliError("which job? kinema job <id> [--json] (ids: kinema jobs; options: kinema job --help)");
  const id = positionals[0]!;
  const client = connectionFrom(values);
  const { job } = await client.request<{ job: JobDetail | null }>(JOB, { id });
  if (!job) throw new ExitError(`no job ${id} (it does not exist or belongs to another account); see kinema jobs`, EXIT_USAGE);
  if (values.poster !== undefined) await savePoster(job, values.poster);
  if (values.json) {
    console.log(JSON.stringify(job));
    return;
  }
  console.log(describeJob(job));
}

export function describeJob(job: JobDetail): string {
  const lines: [string, string][] = [
    ["job", job.id],
    ["status", `${job.status} (stage ${job.stage})`],
    ["prompt", job.prompt],
    ...(job.negativePrompt ? [["negative", job.negativePrompt] as [string, string]] : []),
    ["settings", `${job.resolution} ${job.width}x${job.height}, ${job.durationSeconds} s at ${job.fps} fps, seed ${job.seed}, tier ${job.tier}`],
    ["steps", `${job.stepsCompleted}/${job.stepBudget}${job.attempts > 0 ? ` (attempts: ${job.attempts})` : ""}`],
  ];
  if (job.queuePosition != null) lines.push(["queue", job.queuePosition === 0 ? "next in line" : `${job.queuePosition} ahead`]);
  if (job.etaSeconds != null) lines.push(["eta", formatSeconds(job.etaSeconds)]);
  lines.push(["created", formatTime(job.createdAt)], ["started", formatTime(job.startedAt)], ["finished", formatTime(job.finishedAt)]);
  if (job.deadlineAt) lines.push(["deadline", formatTime(job.deadlineAt)]);
  if (job.error) lines.push(["error", `${job.error.code}: ${job.error.message}`]);
  if (job.gpuSeconds != null) lines.push(["gpu time", `${job.gpuSeconds.toFixed(1)} s, $${(job.costDollars ?? 0).toFixed(4)}`]);
  const v = job.video;
  if (v) {
    lines.push(
      ["video", v.url],
      ["  expires", formatTime(v.expiresAt)],
      ["  size", `${formatBytes(v.bytes)} (${v.bytes} bytes), ${v.width}x${v.height}, ${v.frames} frames at ${v.fps} fps`],
    );
    if (v.poster) lines.push(["poster", v.poster.url], ["  size", `${formatBytes(v.poster.bytes)}, ${v.poster.width}x${v.poster.height} JPEG, credentials ${v.poster.provenance?.state ?? "none reported"}`]);
    const s = v.spritesheet;
    if (s) lines.push(["spritesheet", s.url], ["  layout", `${s.frames} frames of ${s.frameWidth}x${s.frameHeight} in ${s.columns}x${s.rows}`]);
    const p = v.provenance;
    if (p) {
      lines.push(
        ["credentials", `${p.state} (C2PA)`],
        ["  issuer", p.issuer ?? "-"],
        ["  signed", p.signedAt ? formatTime(p.signedAt) : "- (no timestamp)"],
        ["  generator", p.claimGenerator ?? "-"],
        ["  actions", p.actions.join(", ") || "-"],
      );
    } else {
      lines.push(["credentials", "none reported"]);
    }
  }
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  return lines.map(([label, value]) => `${label.padEnd(width)}${value}`).join("\n");
}

async function savePoster(job: JobDetail, file: string): Promise<void> {
  const poster = job.video?.poster;
  if (!poster) throw new ExitError(`job ${job.id} has no poster (${job.status === "SUCCEEDED" ? "delivered before posters existed" : `it is ${job.status}`})`, EXIT_USAGE);
  try {
    await download(poster.url, resolve(file), poster.bytes);
  } catch (error) {
    if (error instanceof DownloadError) throw new CliError(error.message.replace("the clip", "the poster"));
    throw error;
  }
  console.error(`saved the poster to ${file} (${formatBytes(poster.bytes)}, ${poster.width}x${poster.height})`);
}
