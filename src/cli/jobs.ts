// `kinema jobs [--status STATUS ...] [--first N] [--after CURSOR] [--json]`: the caller's jobs, newest
// first, as a table, with the cursor of the next page when there is one.
import { parseArgs } from "node:util";
import { JOB_STATUSES, type JobStatus } from "../jobs/states.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom } from "./client.js";
import { JOBS, type JobSummary } from "./documents.js";
import { CliError } from "./errors.js";
import { formatTime, table } from "./format.js";

export const JOBS_HELP = `Usage: kinema jobs [--status STATUS ...] [--first N] [--after CURSOR] [--json]

Lists your jobs, newest first: id, status, stage, steps done/planned, when it was
created (UTC) and the error code of a failed or blocked job.

Options:
  --status STATUS  only jobs in this status: ${JOB_STATUSES.join(", ")};
                   repeat it or separate with commas for several (--status FAILED,BLOCKED)
  --first N        jobs per page, 1 to 100 (default 20)
  --after CURSOR   the page after CURSOR (printed under a page that has more)
  --json           print { jobs, pageInfo } as JSON

${CONNECTION_HELP}`;

export async function jobsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      status: { type: "string", multiple: true, short: "s" },
      first: { type: "string", short: "n" },
      after: { type: "string" },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new CliError(`unexpected argument: ${positionals[0]} (for one job: kinema job <id>; options: kinema jobs --help)`);
  const status = (values.status ?? []).flatMap((s) => s.split(",")).map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const s of status) {
    if (!(JOB_STATUSES as readonly string[]).includes(s)) throw new CliError(`--status must be one of ${JOB_STATUSES.join(", ")}, not ${s}`);
  }
  let first: number | undefined;
  if (values.first !== undefined) {
    first = /^\d+$/.test(values.first) ? Number(values.first) : NaN;
    if (!(first >= 1 && first <= 100)) throw new CliError(`--first must be 1 to 100, not ${values.first}`);
  }
  const client = connectionFrom(values);
  const { jobs } = await client.request<{ jobs: { nodes: JobSummary[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(JOBS, {
    first, after: values.after, filter: status.length ? { status: status as JobStatus[] } : undefined,
  });
  if (values.json) {
    console.log(JSON.stringify({ jobs: jobs.nodes, pageInfo: jobs.pageInfo }));
    return;
  }
  if (jobs.nodes.length === 0) {
    console.log(values.after ? "no more jobs" : status.length ? `no ${status.join(" or ")} jobs` : "no jobs yet: kinema generate \"PROMPT\"");
    return;
  }
  const rows = jobs.nodes.map((j) => [
    j.id, j.status, j.stage, `${j.stepsCompleted}/${j.stepBudget}`, formatTime(j.createdAt), j.error?.code ?? "",
  ]);
  console.log(table([["ID", "STATUS", "STAGE", "STEPS", "CREATED", "ERROR"], ...rows]));
  if (jobs.pageInfo.hasNextPage && jobs.pageInfo.endCursor) {
    const again = [...status.length ? [`--status ${status.join(",")}`] : [], ...first ? [`--first ${first}`] : []].join(" ");
    console.log(`\nmore: kinema jobs ${again ? `${again} ` : ""}--after ${jobs.pageInfo.endCursor}`);
  }
}
