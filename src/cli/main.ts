// The `kinema` command. Later issues add their commands here (generate, jobs, job, scan, verify, certs).
import { accountsCommand, ACCOUNTS_HELP } from "./accounts.js";
import { CliError } from "./errors.js";

const HELP = `Usage: kinema <command> [options]

Commands:
  accounts create --tier FREE|PLUS [--admin] [--name NAME] [--json]
                  create an account and print its API key

Run "kinema <command> --help" for a command's options.`;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  accounts: { run: accountsCommand, help: ACCOUNTS_HELP },
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
