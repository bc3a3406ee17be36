// `kinema delete <id>`: deletes one of your jobs (its clip, previews and checkpoints leave storage, the
// URLs handed out for them answer 410 Gone, the job stays as a tombstone; a running job is cancelled
// first). `kinema delete --account NAME`: deletes your whole account, NAME confirming it.
import { parseArgs } from "node:util";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom } from "./client.js";
import type { UserError } from "./documents.js";
import { CliError } from "./errors.js";
import { EXIT_USAGE, ExitError } from "./exit.js";
import { formatTime } from "./format.js";

export const DELETE_HELP = `Usage: kinema delete <job id> [--json]
       kinema delete --account NAME [--json]

Deletes one of your jobs: its video, previews and checkpoints are removed from storage, every URL
given out for them stops working (410 Gone), and the job stays in your history as a tombstone with
its prompt redacted. A queued or running job is cancelled first. Deleting twice is not an error.

With --account NAME, deletes your whole account instead: every job as above, and every API key
(this one included) is revoked. NAME must be your account's name, exactly (kinema: me).

Options:
  --account NAME   delete the account, confirming with its name
  --json           print the API's answer as JSON

${CONNECTION_HELP}`;

const DELETE_JOB = `mutation($id: ID!) { deleteJob(id: $id) { job { id status deletedAt outputsRemovedAt } userErrors { code message field } } }`;
const DELETE_ACCOUNT = `mutation($confirm: String!) { deleteAccount(confirm: $confirm) { deletedJobs userErrors { code message field } } }`;

interface JobTombstone { id: string; status: string; deletedAt: string; outputsRemovedAt: string | null }

export async function deleteCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, options: { ...CONNECTION_OPTIONS, account: { type: "string" }, json: { type: "boolean", default: false } }, allowPositionals: true, strict: true,
  });
  if (values.account !== undefined ? positionals.length !== 0 : positionals.length !== 1) {
    throw new CliError("what to delete? kinema delete <job id> | kinema delete --account NAME (see kinema delete --help)");
  }
  const client = connectionFrom(values);
  if (values.account !== undefined) {
    const { deleteAccount } = await client.request<{ deleteAccount: { deletedJobs: number; userErrors: UserError[] } }>(DELETE_ACCOUNT, { confirm: values.account });
    report(values.json, deleteAccount);
    if (!values.json) console.log(`deleted the account: ${deleteAccount.deletedJobs} jobs removed, every key revoked`);
    return;
  }
  const { deleteJob } = await client.request<{ deleteJob: { job: JobTombstone | null; userErrors: UserError[] } }>(DELETE_JOB, { id: positionals[0] });
  report(values.json, deleteJob);
  if (values.json) return;
  const job = deleteJob.job!;
  console.log(job.outputsRemovedAt
    ? `deleted ${job.id} at ${formatTime(job.deletedAt)}; its files are removed`
    : `deleted ${job.id} at ${formatTime(job.deletedAt)}; it is being cancelled (${job.status}), its files go once it stops`);
}

function report(json: boolean, payload: { userErrors: UserError[] }): void {
  if (json) console.log(JSON.stringify(payload));
  if (payload.userErrors.length > 0) throw new ExitError(payload.userErrors.map((e) => `${e.message} [${e.code}]`).join("; "), EXIT_USAGE);
}
