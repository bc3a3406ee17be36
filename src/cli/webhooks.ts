// `kinema webhooks create|list|update|disable|delete|rotate|deliveries|redeliver|test`: the caller's
// webhook endpoints and delivery log, through the API (the same rules as for any client). A signing
// secret is printed once, by create and rotate.
import { parseArgs } from "node:util";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionFrom } from "./client.js";
import type { UserError } from "./documents.js";
import { CliError } from "./errors.js";
import { EXIT_USAGE, ExitError } from "./exit.js";
import { formatTime, table } from "./format.js";

export const WEBHOOKS_HELP = `Usage: kinema webhooks <action> [options]

Actions:
  create URL --events E[,E...] [--description TEXT]
                                register an endpoint; its signing secret (whsec_...) is printed once
  list                          your endpoints (URL, events, enabled, why disabled)
  update ID [--url URL] [--events E,...] [--description TEXT] [--enable]
  disable ID                    stop deliveries to an endpoint
  delete ID                     remove an endpoint and its delivery log
  rotate ID [--grace SECONDS]   a new secret; the old one keeps signing beside it for SECONDS
                                (0-604800, default 86400)
  deliveries (--endpoint ID | --job ID)
                                recent deliveries with each attempt's status code, latency and error
  redeliver DELIVERY_ID         send a delivery again (same webhook-id)
  test ID                       send a webhook.test event to an endpoint

Events: job.started, job.progress, job.succeeded, job.failed, job.blocked, job.cancelled.
Each takes --json (print the API's answer as JSON).

${CONNECTION_HELP}`;

const ACTIONS = ["create", "list", "update", "disable", "delete", "rotate", "deliveries", "redeliver", "test"] as const;
type Action = (typeof ACTIONS)[number];

interface EndpointView { id: string; url: string; description: string; events: string[]; enabled: boolean; disabledReason: string | null }
interface AttemptView { attemptedAt: string; succeeded: boolean; responseStatus: number | null; latencyMs: number; error: string | null }
interface DeliveryView { id: string; event: string; state: string; attempts: number; createdAt: string; attemptLog: AttemptView[] }

const ENDPOINT = "id url description events enabled disabledReason";
const DELIVERY = "id event state attempts createdAt attemptLog { attemptedAt succeeded responseStatus latencyMs error }";
const ERRORS = "userErrors { code message field }";
const DOCUMENTS: Record<Action, string> = {
  list: `{ result: webhookEndpoints { ${ENDPOINT} } }`,
  create: `mutation($url: String!, $events: [String!]!, $description: String) { result: createWebhookEndpoint(url: $url, events: $events, description: $description) { secret endpoint { ${ENDPOINT} } ${ERRORS} } }`,
  update: `mutation($id: ID!, $url: String, $events: [String!], $description: String, $enabled: Boolean) { result: updateWebhookEndpoint(id: $id, url: $url, events: $events, description: $description, enabled: $enabled) { endpoint { ${ENDPOINT} } ${ERRORS} } }`,
  disable: `mutation($id: ID!) { result: disableWebhookEndpoint(id: $id) { endpoint { ${ENDPOINT} } ${ERRORS} } }`,
  delete: `mutation($id: ID!) { result: deleteWebhookEndpoint(id: $id) { deletedId ${ERRORS} } }`,
  rotate: `mutation($id: ID!, $grace: Int!) { result: rotateWebhookSecret(id: $id, gracePeriodSeconds: $grace) { secret endpoint { ${ENDPOINT} previousSecretExpiresAt } ${ERRORS} } }`,
  deliveries: `query($endpoint: ID, $job: ID) { result: webhookDeliveries(endpointId: $endpoint, jobId: $job, first: 20) { ${DELIVERY} } }`,
  redeliver: `mutation($id: ID!) { result: redeliverWebhook(deliveryId: $id) { delivery { ${DELIVERY} } ${ERRORS} } }`,
  test: `mutation($id: ID!) { result: sendTestWebhook(endpointId: $id) { delivery { ${DELIVERY} } ${ERRORS} } }`,
};

export async function webhooksCommand(args: string[]): Promise<void> {
  const [name, ...rest] = args;
  if (!name || !(ACTIONS as readonly string[]).includes(name)) throw new CliError(WEBHOOKS_HELP);
  const action = name as Action;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      ...CONNECTION_OPTIONS, json: { type: "boolean", default: false },
      events: { type: "string" }, description: { type: "string" }, url: { type: "string" }, enable: { type: "boolean" },
      grace: { type: "string" }, endpoint: { type: "string" }, job: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  const wantsOne = !["list", "deliveries"].includes(action);
  if (wantsOne && positionals.length !== 1) throw new CliError(`kinema webhooks ${action} needs one ${action === "create" ? "URL" : "id"}`);
  if (!wantsOne && positionals.length > 0) throw new CliError(`unexpected argument: ${positionals[0]}`);
  if (action === "create" && !values.events) throw new CliError("kinema webhooks create needs --events (e.g. --events job.succeeded,job.failed)");
  if (action === "deliveries" && !values.endpoint === !values.job) throw new CliError("kinema webhooks deliveries needs --endpoint ID or --job ID");
  const grace = values.grace === undefined ? 86_400 : /^\d+$/.test(values.grace) ? Number(values.grace) : NaN;
  if (!(grace >= 0 && grace <= 604_800)) throw new CliError(`--grace must be 0 to 604800 seconds, not ${values.grace}`);
  const events = values.events?.split(",").map((e) => e.trim()).filter(Boolean);
  const [arg] = positionals;
  const variables: Record<Action, Record<string, unknown>> = {
    list: {}, create: { url: arg, events, description: values.description },
    update: { id: arg, url: values.url, events, description: values.description, enabled: values.enable ? true : undefined },
    disable: { id: arg }, delete: { id: arg }, rotate: { id: arg, grace }, redeliver: { id: arg }, test: { id: arg },
    deliveries: { endpoint: values.endpoint, job: values.job },
  };

  const { result } = await connectionFrom(values).request<{ result: any }>(DOCUMENTS[action], variables[action]);
  if (values.json) console.log(JSON.stringify(result));
  const userErrors = (result as { userErrors?: UserError[] }).userErrors ?? [];
  if (userErrors.length > 0) throw new ExitError(userErrors.map((e) => `${e.message} [${e.code}]`).join("; "), EXIT_USAGE);
  if (values.json) return;
  if (action === "list") return printEndpoints(result as EndpointView[]);
  if (action === "deliveries") return printDeliveries(result as DeliveryView[]);
  if (action === "delete") return void console.log(`deleted ${result.deletedId}`);
  if (result.delivery) return void console.log(`delivery ${result.delivery.id} (${result.delivery.event}): ${result.delivery.state}`);
  printEndpoints([result.endpoint]);
  if (result.secret) console.log(`signing secret (shown once): ${result.secret}`);
}

function printEndpoints(endpoints: EndpointView[]): void {
  console.log(table([["ID", "URL", "EVENTS", "STATE"], ...endpoints.map((e) => [
    e.id, e.url, e.events.join(","), e.enabled ? "enabled" : `disabled: ${e.disabledReason ?? ""}`,
  ])]));
}

function printDeliveries(deliveries: DeliveryView[]): void {
  const rows = deliveries.flatMap((d) => [[d.id, d.event, d.state, formatTime(d.createdAt), ""],
    ...d.attemptLog.map((a) => ["", "", "", formatTime(a.attemptedAt), `${a.responseStatus ?? "-"} ${a.latencyMs} ms${a.error ? ` ${a.error}` : ""}`])]);
  console.log(table([["ID", "EVENT", "STATE", "TIME", "ATTEMPT"], ...rows]));
}
