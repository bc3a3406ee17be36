// `kinema usage [--window HOUR|DAY|WEEK|MONTH] [--json]`: the caller's jobs over a window by status, the
// GPU time they used and its cost, and each rate limit with what is left (me.usage).
import { parseArgs } from "node:util";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom } from "./client.js";
import { USAGE, type UsagePolicy, type UsageReport } from "./documents.js";
import { CliError } from "./errors.js";
import { formatSeconds, table } from "./format.js";

export const USAGE_HELP = `Usage: kinema usage [--window HOUR|DAY|WEEK|MONTH] [--json]

Shows your jobs created in the window (default DAY: the last 24 hours) by status, the GPU time
they used and what it cost at the server's GPU price, and your plan's rate limits: submissions
per minute, generations per day and jobs queued at once, each with what is used and left.

Options:
  --window W   HOUR, DAY (default), WEEK or MONTH (the last 30 days)
  --json       print the API's answer as JSON

${CONNECTION_HELP}`;

const WINDOWS = ["HOUR", "DAY", "WEEK", "MONTH"];
const LIMIT_NAMES: Record<string, string> = { minute: "submissions per minute", day: "generations per day", queued: "jobs queued at once" };

export async function usageCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CONNECTION_OPTIONS, window: { type: "string", short: "w" }, json: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new CliError("kinema usage takes no arguments (options: kinema usage --help)");
  const window = (values.window ?? "DAY").toUpperCase();
  if (!WINDOWS.includes(window)) throw new CliError(`--window must be HOUR, DAY, WEEK or MONTH, not ${JSON.stringify(values.window)}`);
  const { me } = await connectionFrom(values).request<{ me: { usage: UsageReport } }>(USAGE, { window });
  if (values.json) {
    console.log(JSON.stringify(me.usage));
    return;
  }
  console.log(describeUsage(me.usage));
}

export function describeUsage(u: UsageReport): string {
  const statuses = u.byStatus.length ? u.byStatus.map((s) => `${s.status} ${s.count}`).join(", ") : "none";
  return [
    `usage over the last ${u.window.toLowerCase()} (${u.from} to ${u.to})`,
    `jobs      ${u.jobs} (${statuses})`,
    `gpu time  ${u.gpuSeconds.toFixed(1)} s`,
    `cost      $${u.costDollars.toFixed(4)} at $${u.gpuHourlyCost}/GPU-hour`,
    "",
    table([["limit", "used", "left", "of", "frees up in"], ...u.limits.policies.map((p) => policyRow(p))]),
  ].join("\n");
}

function policyRow(p: UsagePolicy): string[] {
  return [LIMIT_NAMES[p.name] ?? p.name, String(p.used), String(p.remaining), String(p.quota), p.resetSeconds === null ? "-" : formatSeconds(p.resetSeconds)];
}
