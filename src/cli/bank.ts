// `kinema bank import FILE [--category C] [--source NAME]`: imports a PDQ hash list into the database's
// hash bank. Like `kinema accounts`, it reaches the database directly (whoever runs it holds the
// database); the import is audited (audit_log, action hashBank.import, actor "cli:<os user>"). Running
// workers pick the new entries up within one poll (KINEMA_SAFETY_POLL_MS), without a restart.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { BankImportError, DEFAULT_BANK_CATEGORY, importHashListFile, type ImportReport } from "../safety/banks/importer.js";
import { withDatabaseHandles } from "./database.js";
import { CliError } from "./errors.js";
import { ExitError } from "./exit.js";

export const BANK_HELP = `Usage: kinema bank import FILE [--category C] [--source NAME] [--json]

Imports a PDQ hash list into the hash bank the post-filter matches every frame against (with its 8
rotations and mirrors). Accepted lines: a PDQ hash (64 hex digits), optionally followed, comma- or
tab-separated, by its quality (0..100) and a label: "hash", "hash,quality", "hash,quality,label" (the
output of ThreatExchange's PDQ tools), or "hash,label". Blank lines, # comments and a header line
(hash,quality,...) are skipped. Hashes of quality below 50 are refused (PDQ never compares them).

--category  what the hashes stand for (default ${DEFAULT_BANK_CATEGORY}); lowercase, e.g. csam, ncii, tvec
--source    where the list comes from (default: the file's name), kept on every entry

Bad lines are listed with their line numbers and the good ones are imported; the exit code is then 2.
Re-importing a list adds nothing twice (a hash is in the bank once per category). Uses DATABASE_URL, or
the embedded database (KINEMA_DATA_DIR), as \`kinema accounts\` does.`;

export async function bankCommand(args: string[]): Promise<void> {
  const [action, file, ...rest] = args;
  if (action !== "import" || !file) throw new CliError(BANK_HELP);
  const { values } = parseArgs({
    args: rest,
    options: { category: { type: "string" }, source: { type: "string" }, json: { type: "boolean", default: false } },
    strict: true,
  });
  const actor = { id: `cli:${userInfo().username}`, accountId: null, role: null, reason: `kinema bank import ${file}` };
  let report: ImportReport;
  try {
    report = await withDatabaseHandles(({ pool }) => importHashListFile(pool, file, { category: values.category, source: values.source, actor }));
  } catch (error) {
    if (error instanceof BankImportError) throw new CliError(error.message);
    throw error;
  }
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(`${report.file}: ${report.hashes} hashes (category ${report.category}, source ${report.source}): ` +
      `${report.inserted} added, ${report.alreadyPresent} already in the bank` +
      (report.duplicates ? `, ${report.duplicates} repeated lines skipped` : "") +
      (report.problems.length ? `, ${report.problems.length} bad lines` : ""));
    for (const p of report.problems) console.error(`${report.file}:${p.line}: ${p.message}`);
  }
  if (report.problems.length > 0) throw new ExitError(`${report.problems.length} bad lines in ${report.file} (the good ones were imported)`, 2);
}
