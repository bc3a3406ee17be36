// `kinema keys create|list|revoke|rotate`: the caller's own API keys, through the API (so the same
// rules hold as for any client: only one's own keys, typed refusals). New keys are printed once.
import { parseArgs } from "node:util";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom } from "./client.js";
import type { UserError } from "./documents.js";
import { CliError } from "./errors.js";
import { EXIT_USAGE, ExitError } from "./exit.js";
import { formatTime, table } from "./format.js";

export const KEYS_HELP = `Usage: kinema keys <action> [options]

Actions:
  create [--name NAME]          make a new key for your account; it is printed once, keep it
  list [--all]                  your keys (prefix, name, created, last used); --all adds revoked ones
  revoke ID                     revoke one of your keys at once; open connections using it close
  rotate ID [--grace SECONDS]   a new key with the old one's name; the old one is revoked now, or
                                after SECONDS (0-3600) so running clients can switch over

Each takes --json (print the API's answer as JSON). Keys are shown only when made; the list shows
their first 12 characters. Last use is recorded to within a minute.

${CONNECTION_HELP}`;

interface KeyView { id: string; name: string | null; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null; active: boolean; current: boolean }
interface KeyPayload { apiKey: KeyView | null; key?: string | null; replaced?: KeyView | null; userErrors: UserError[] }

const FIELDS = "id name prefix createdAt lastUsedAt revokedAt active current";
const DOCUMENTS = {
  list: `query($all: Boolean!) { apiKeys(includeRevoked: $all) { ${FIELDS} } }`,
  create: `mutation($name: String) { result: createApiKey(input: { name: $name }) { key apiKey { ${FIELDS} } userErrors { code message field } } }`,
  revoke: `mutation($id: ID!) { result: revokeApiKey(id: $id) { apiKey { ${FIELDS} } userErrors { code message field } } }`,
  rotate: `mutation($id: ID!, $grace: Int!) { result: rotateApiKey(id: $id, gracePeriodSeconds: $grace) { key apiKey { ${FIELDS} } replaced { ${FIELDS} } userErrors { code message field } } }`,
};

export async function keysCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (!action || !["create", "list", "revoke", "rotate"].includes(action)) throw new CliError(KEYS_HELP);
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      ...CONNECTION_OPTIONS, json: { type: "boolean", default: false },
      name: { type: "string" }, all: { type: "boolean", default: false }, grace: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  const takesId = action === "revoke" || action === "rotate";
  if (takesId && positionals.length !== 1) throw new CliError(`kinema keys ${action} needs one key id (see kinema keys list)`);
  if (!takesId && positionals.length > 0) throw new CliError(`unexpected argument: ${positionals[0]}`);
  if (values.name !== undefined && action !== "create") throw new CliError("--name is for kinema keys create");
  if (values.all && action !== "list") throw new CliError("--all is for kinema keys list");
  if (values.grace !== undefined && action !== "rotate") throw new CliError("--grace is for kinema keys rotate");
  const grace = values.grace === undefined ? 0 : /^\d+$/.test(values.grace) ? Number(values.grace) : NaN;
  if (!(grace >= 0 && grace <= 3_600)) throw new CliError(`--grace must be 0 to 3600 seconds, not ${values.grace}`);

  const client = connectionFrom(values);
  if (action === "list") {
    const { apiKeys } = await client.request<{ apiKeys: KeyView[] }>(DOCUMENTS.list, { all: values.all });
    if (values.json) return void console.log(JSON.stringify({ apiKeys }));
    const rows = apiKeys.map((k) => [
      k.id, k.prefix, k.name ?? "", formatTime(k.createdAt), formatTime(k.lastUsedAt), state(k),
    ]);
    console.log(table([["ID", "PREFIX", "NAME", "CREATED", "LAST USED", "STATE"], ...rows]));
    return;
  }
  const variables = action === "create" ? { name: values.name } : { id: positionals[0], grace };
  const { result } = await client.request<{ result: KeyPayload }>(DOCUMENTS[action as "create" | "revoke" | "rotate"], variables);
  if (values.json) console.log(JSON.stringify(result));
  if (result.userErrors.length > 0) {
    throw new ExitError(result.userErrors.map((e) => `${e.message} [${e.code}]`).join("; "), EXIT_USAGE);
  }
  if (values.json) return;
  const key = result.apiKey!;
  if (action === "revoke") return void console.log(`revoked ${key.id} (${key.prefix}…) at ${formatTime(key.revokedAt)}`);
  console.log(`key ${key.id}${key.name ? ` (${key.name})` : ""}`);
  console.log(`API key (shown once): ${result.key}`);
  if (result.replaced) console.log(`replaces ${result.replaced.id} (${result.replaced.prefix}…), which stops working at ${formatTime(result.replaced.revokedAt)}`);
}

function state(key: KeyView): string {
  const current = key.current ? ", this one" : "";
  if (!key.revokedAt) return `active${current}`;
  return key.active ? `active until ${formatTime(key.revokedAt)}${current}` : "revoked";
}
