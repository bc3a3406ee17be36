// `kinema accounts create --tier FREE|PLUS [--role USER|SUPPORT|ADMIN] [--name NAME]`: creates an account
// and prints its API key (shown once; only its hash is stored). This command reaches the database
// directly, so whoever can run it already holds the database: it is how the first staff key is made.
// Over the API, a role is never taken from arguments: it is the authenticated key's account's.
import { parseArgs } from "node:util";
import { AccountService, ROLES, type Role } from "../accounts/accounts.js";
import { withDatabase } from "./database.js";
import { CliError } from "./errors.js";

export const ACCOUNTS_HELP = `Usage: kinema accounts create --tier FREE|PLUS [--role USER|SUPPORT|ADMIN] [--name NAME]

Creates an account and prints its API key. The key is shown once; keep it.
--role SUPPORT: reads across accounts, cancels, retries, revokes keys (audited).
--role ADMIN: everything, safety rules and scheduler settings too. --admin is --role ADMIN.
Uses DATABASE_URL, or in embedded mode the database of the running server
(KINEMA_DATA_DIR, default .kinema), or opens the embedded database itself.`;

export async function accountsCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== "create") throw new CliError(ACCOUNTS_HELP);
  const { values } = parseArgs({
    args: rest,
    options: { tier: { type: "string" }, role: { type: "string" }, admin: { type: "boolean", default: false }, name: { type: "string" }, json: { type: "boolean", default: false } },
    strict: true,
  });
  const tier = values.tier?.toUpperCase();
  if (tier !== "FREE" && tier !== "PLUS") throw new CliError(`--tier must be FREE or PLUS\n\n${ACCOUNTS_HELP}`);
  const role = (values.role ?? (values.admin ? "ADMIN" : "USER")).toUpperCase() as Role;
  if (!ROLES.includes(role)) throw new CliError(`--role must be USER, SUPPORT or ADMIN\n\n${ACCOUNTS_HELP}`);
  if (values.admin && role !== "ADMIN") throw new CliError(`--admin contradicts --role ${role}\n\n${ACCOUNTS_HELP}`);
  const name = values.name ?? `${tier.toLowerCase()}-account`;
  const { account, apiKey } = await withDatabase((prisma) => new AccountService(prisma).create({ name, tier, role }));
  if (values.json) {
    console.log(JSON.stringify({ id: account.id, name: account.name, tier: account.tier, role: account.role, apiKey }));
    return;
  }
  console.log(`account ${account.id} (${account.name}, ${account.tier}, ${account.role})`);
  console.log(`API key (shown once): ${apiKey}`);
}
