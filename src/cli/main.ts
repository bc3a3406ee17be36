// The `kinema` command. Later issues add their commands here (generate, jobs, job, scan).
import { accountsCommand, ACCOUNTS_HELP } from "./accounts.js";
import { certsCommand, CERTS_HELP } from "./certs.js";
import { CliError } from "./errors.js";
import { verifyCommand, VERIFY_HELP } from "./verify.js";

const HELP = `Usage: kinema <command> [options]

Commands:
  accounts create --tier FREE|PLUS [--admin] [--name NAME] [--json]
                  create an account and print its API key
  certs dev [--out DIR] [--force] [--json]
                  write a development C2PA signing chain (default .kinema/certs)
  verify FILE.mp4 [--trust ROOTS.pem] [--json]
                  validate a clip's C2PA content credentials (exit 1 if not acceptable)

Run "kinema <command> --help" for a command's options.`;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  accounts: { run: accountsCommand, help: ACCOUNTS_HELP },
  certs: { run: certsCommand, help: CERTS_HELP },
  verify: { run: verifyCommand, help: VERIFY_HELP },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(HELP);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command: ${name}\n\n${HELP}`);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(command.help);
    return;
  }
  await command.run(args);
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof CliError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`kinema: ${error.message}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
