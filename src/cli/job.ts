// `kinema job <id> [--json]`: one job in detail: status and stage, settings, steps, times, the error,
// the video (a fresh signed URL, its expiry and size) and its content credentials.
import { parseArgs } from "node:util";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom } from "./client.js";
import { JOB, type JobDetail } from "./documents.js";
import { CliError } from "./errors.js";
import { EXIT_USAGE, ExitError } from "./exit.js";
import { formatBytes, formatSeconds, formatTime } from "./format.js";

export const JOB_HELP = `Usage: kinema job <id> [--json]

Shows one of your jobs in detail: status, stage, prompt, settings, steps, attempts, times,
queue position and ETA while it waits or runs, the error of a failed or blocked job, and for
a finished one the video (a signed URL, fresh on every call, and when it expires; its size)
and its C2PA content credentials. Exit code 2 when there is no such job (or it is another
account's).

Options:
  --json   print the job as JSON (the API's fields)

${CONNECTION_HELP}`;

export async function jobCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONNECTION_OPTIONS, json: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new CliError("which job? kinema job <id> [--json] (ids: kinema jobs; options: kinema job --help)");
  const id = positionals[0]!;
  const client = connectionFrom(values);
  const { job } = await client.request<{ job: JobDetail | null }>(JOB, { id });
  if (!job) throw new ExitError(`no job ${id} (it does not exist or belongs to another account); see kinema jobs`, EXIT_USAGE);
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
