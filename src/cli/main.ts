// The `kinema` command. Later issues add their commands here (scan). Each command's module is loaded
// only when it runs, so `kinema jobs` does not load Prisma or the C2PA library.
import { ConfigError } from "../config/errors.js";
import { CliError } from "./errors.js";
import { ExitError } from "./exit.js";

const HELP = `Usage: kinema <command> [options]

Commands:
  generate "PROMPT" [--resolution R480P|R720P|R1080P] [--duration SECONDS] [--seed N] [--negative TEXT]
           [--deadline SECONDS] [--out FILE] [--json]
                  make a video: submit a job, follow its progress, save the MP4
  usage [--window HOUR|DAY|WEEK|MONTH] [--json]
                  your jobs, GPU time and cost over a window, and your rate limits with what is left
  jobs [--status STATUS ...] [--first N] [--after CURSOR] [--json]
                  list your jobs, newest first
  job ID [--json]
                  show one job in detail (error, video URL, content credentials)
  delete ID | delete --account NAME [--json]
                  delete a job (its files removed, a tombstone kept) or your whole account
  accounts create --tier FREE|PLUS [--role USER|SUPPORT|ADMIN] [--name NAME] [--json]
                  create an account and print its API key
  keys create|list|revoke|rotate [ID] [--name NAME] [--all] [--grace SECONDS] [--json]
                  manage your own API keys
  webhooks create|list|update|disable|delete|rotate|deliveries|redeliver|test [...] [--json]
                  manage your webhook endpoints and see their deliveries
  certs dev [--out DIR] [--force] [--json]
                  write a development C2PA signing chain (default .kinema/certs)
  verify FILE.mp4 [--trust ROOTS.pem] [--json]
                  validate a clip's C2PA content credentials (exit 1 if not acceptable)
  scan FILE.mp4 [--bank FILE] [--frames] [--json]
                  run the post-filter's frame scan on any video (exit 1 if blocked)
  bank import FILE [--category C] [--source NAME] [--json]
                  import a PDQ hash list into the hash bank (exit 2 if lines were bad)

generate, jobs, job, delete, usage, keys and webhooks talk to the API at KINEMA_URL (default http://127.0.0.1:4000/graphql)
with the key in KINEMA_API_KEY (or --url, --key).

Exit codes: 0 ok; 1 a job failed or the server failed or could not be reached; 2 usage or
input error; 130 a job cancelled with Ctrl-C.

Run "kinema <command> --help" for a command's options.`;

interface Command { run: (args: string[]) => Promise<void>; help: string }

const COMMANDS: Record<string, () => Promise<Command>> = {
  generate: async () => { const m = await import("./generate.js"); return { run: m.generateCommand, help: m.GENERATE_HELP }; },
  usage: async () => { const m = await import("./usage.js"); return { run: m.usageCommand, help: m.USAGE_HELP }; },
  jobs: async () => { const m = await import("./jobs.js"); return { run: m.jobsCommand, help: m.JOBS_HELP }; },
  job: async () => { const m = await import("./job.js"); return { run: m.jobCommand, help: m.JOB_HELP }; },
  delete: async () => { const m = await import("./delete.js"); return { run: m.deleteCommand, help: m.DELETE_HELP }; },
  accounts: async () => { const m = await import("./accounts.js"); return { run: m.accountsCommand, help: m.ACCOUNTS_HELP }; },
  keys: async () => { const m = await import("./keys.js"); return { run: m.keysCommand, help: m.KEYS_HELP }; },
  webhooks: async () => { const m = await import("./webhooks.js"); return { run: m.webhooksCommand, help: m.WEBHOOKS_HELP }; },
  certs: async () => { const m = await import("./certs.js"); return { run: m.certsCommand, help: m.CERTS_HELP }; },
  verify: async () => { const m = await import("./verify.js"); return { run: m.verifyCommand, help: m.VERIFY_HELP }; },
  scan: async () => { const m = await import("./scan.js"); return { run: m.scanCommand, help: m.SCAN_HELP }; },
  bank: async () => { const m = await import("./bank.js"); return { run: m.bankCommand, help: m.BANK_HELP }; },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(HELP);
    return;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) throw new CliError(`unknown command: ${name}\n\n${HELP}`);
  const command = await load();
  if (args.includes("--help") || args.includes("-h")) {
    console.log(command.help);
    return;
  }
  await command.run(args);
}

// The event loop can run dry while the command still waits on a promise nothing will settle (a request
// whose client lost track of it): Node would then exit 0, and a script would take the failure for success.
// Whatever causes it, a command that did not finish exits 1 and says so.
let finished = false;
process.on("beforeExit", () => {
  if (finished) return;
  finished = true;
  console.error("kinema: the command stopped without finishing (it was waiting on an answer that never came); its outcome is unknown");
  process.exit(1);
});

main(process.argv.slice(2)).then(() => { finished = true; }, (error) => {
  finished = true;
  if (error instanceof ExitError) {
    console.error(`kinema: ${error.message}`);
    process.exit(error.exitCode);
  }
  // A bad configuration is bad input too: its report names every problem, and a stack adds nothing.
  if (error instanceof CliError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`kinema: ${error.message}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
