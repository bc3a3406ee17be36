// The owner's webhook API (schema/webhooks.graphql): endpoints, their secrets, the delivery log,
// redelivery and test events. Every statement is scoped by account_id: another account's id answers like
// one that does not exist. A secret is returned only by create and rotate; the rows hold it sealed.
import type { Account } from "../accounts/accounts.js";
import type { Sql } from "../db/pool.js";
import type { UserError } from "../jobs/validate.js";
import type { AddressPolicy } from "./address-policy.js";
import { isWebhookEvent, TEST_EVENT, WEBHOOK_EVENTS } from "./events.js";
import { generateSecret, type SecretBox } from "./secrets.js";

export const MAX_ENDPOINTS = 20;
export const MAX_GRACE_SECONDS = 7 * 86_400;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENDPOINT_COLUMNS = `id, url, description, events, enabled, disabled_reason AS "disabledReason", disabled_at AS "disabledAt",
  previous_secret_expires_at AS "previousSecretExpiresAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface WebhookEndpointRecord {
  id: string; url: string; description: string; events: string[]; enabled: boolean;
  disabledReason: string | null; disabledAt: Date | null; previousSecretExpiresAt: Date | null; createdAt: Date; updatedAt: Date;
}
export interface WebhookAttemptRecord { attemptedAt: Date; succeeded: boolean; responseStatus: number | null; latencyMs: number; error: string | null }
export interface WebhookDeliveryRecord {
  id: string; event: string; endpointId: string | null; jobId: string | null; url: string | null; state: string; attempts: number;
  createdAt: Date; deliveredAt: Date | null; nextAttemptAt: Date | null; lastError: string | null; attemptLog: WebhookAttemptRecord[];
}
export interface EndpointPayload { endpoint: WebhookEndpointRecord | null; secret?: string | null; userErrors: UserError[] }
export interface DeliveryPayload { delivery: WebhookDeliveryRecord | null; userErrors: UserError[] }
export interface EndpointInput { url?: string | null; events?: readonly string[] | null; description?: string | null; enabled?: boolean | null }

const notFound = (what: string, field: string): UserError => ({ code: "NOT_FOUND", message: `No ${what} with this id.`, field: [field] });

export class WebhookService {
  constructor(private readonly sql: Sql, private readonly policy: AddressPolicy, private readonly box: SecretBox) {}

  /** A URL a webhook may be sent to, or the userError saying why not (at `field`). */
  async checkUrl(url: string, field: string[]): Promise<UserError | null> {
    if (url.length > 2000) return { code: "INVALID_URL", message: "The URL is over 2000 characters.", field };
    const check = await this.policy.check(url);
    return check.ok ? null : { code: "INVALID_URL", message: `This URL can't receive webhooks: ${check.reason}.`, field };
  }

  /** A new sealed secret for a job's one-off URL: [the secret to show once, the value to store]. */
  newJobSecret(): [string, string] {
    const secret = generateSecret();
    return [secret, this.box.seal(secret)];
  }

  async create(account: Account, input: EndpointInput): Promise<EndpointPayload> {
    const userErrors = await this.validate({ ...input, url: input.url ?? "", events: input.events ?? [] });
    if (userErrors.length) return { endpoint: null, userErrors };
    const { rows: [count] } = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE account_id = $1`, [account.id]);
    if (count!.n >= MAX_ENDPOINTS) return { endpoint: null, userErrors: [{ code: "ENDPOINT_LIMIT", message: `An account has at most ${MAX_ENDPOINTS} webhook endpoints.` }] };
    const secret = generateSecret();
    const { rows } = await this.sql.query<WebhookEndpointRecord>(
      `INSERT INTO webhook_endpoints (account_id, url, events, description, secret) VALUES ($1, $2, $3, $4, $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [account.id, input.url, [...new Set(input.events)], input.description?.trim() ?? "", this.box.seal(secret)]);
    return { endpoint: rows[0]!, secret, userErrors: [] };
  }

  async list(account: Account): Promise<WebhookEndpointRecord[]> {
    const { rows } = await this.sql.query<WebhookEndpointRecord>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE account_id = $1 ORDER BY created_at, id`, [account.id]);
    return rows;
  }

  /** Changes what is given; enabling an endpoint clears why it was disabled and its failure streak. */
  async update(account: Account, id: string, input: EndpointInput): Promise<EndpointPayload> {
    const userErrors = await this.validate(input);
    if (userErrors.length) return { endpoint: null, userErrors };
    return this.change(account, id, `url = COALESCE($3, url), events = COALESCE($4, events), description = COALESCE($5, description),
      enabled = COALESCE($6, enabled),
      disabled_reason = CASE WHEN $6 IS TRUE THEN NULL ELSE disabled_reason END,
      disabled_at = CASE WHEN $6 IS TRUE THEN NULL ELSE disabled_at END,
      failing_since = CASE WHEN $6 IS TRUE THEN NULL ELSE failing_since END`,
    [input.url ?? null, input.events ? [...new Set(input.events)] : null, input.description?.trim() ?? null, input.enabled ?? null]);
  }

  disable(account: Account, id: string): Promise<EndpointPayload> {
    return this.change(account, id, `enabled = false, disabled_at = COALESCE(disabled_at, clock_timestamp()),
      disabled_reason = COALESCE(disabled_reason, 'Disabled by the owner.')`, []);
  }

  /** A new secret; the old one keeps signing beside it for `graceSeconds` (0: stops at once). */
  async rotate(account: Account, id: string, graceSeconds: number): Promise<EndpointPayload> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
      return { endpoint: null, userErrors: [{ code: "INVALID_GRACE_PERIOD", message: `gracePeriodSeconds must be 0 to ${MAX_GRACE_SECONDS}.`, field: ["gracePeriodSeconds"] }] };
    }
    const secret = generateSecret();
    const result = await this.change(account, id, `previous_secret = secret, secret = $3,
      previous_secret_expires_at = clock_timestamp() + $4::int * interval '1 second'`, [this.box.seal(secret), graceSeconds]);
    return result.endpoint ? { ...result, secret } : result;
  }

  async delete(account: Account, id: string): Promise<{ deletedId: string | null; userErrors: UserError[] }> {
    if (!UUID.test(id)) return { deletedId: null, userErrors: [notFound("webhook endpoint", "id")] };
    const { rowCount } = await this.sql.query(`DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = $2`, [id, account.id]);
    return rowCount ? { deletedId: id, userErrors: [] } : { deletedId: null, userErrors: [notFound("webhook endpoint", "id")] };
  }

  /** The newest `first` deliveries of one endpoint or one job of the caller's, each with its attempts. */
  async deliveries(account: Account, by: { endpointId?: string | null; jobId?: string | null }, first: number): Promise<WebhookDeliveryRecord[]> {
    const [column, id] = by.endpointId ? ["endpoint_id", by.endpointId] : ["job_id", by.jobId ?? ""];
    if (!UUID.test(id)) return [];
    const { rows } = await this.sql.query<WebhookDeliveryRecord>(`SELECT d.id, d.event, d.endpoint_id AS "endpointId", d.job_id AS "jobId", d.url,
        d.state, d.attempts, d.created_at AS "createdAt", d.delivered_at AS "deliveredAt", d.last_error AS "lastError",
        CASE WHEN d.state = 'PENDING' THEN d.next_attempt_at END AS "nextAttemptAt",
        COALESCE((SELECT json_agg(json_build_object('attemptedAt', a.attempted_at, 'succeeded', a.succeeded, 'responseStatus', a.response_status,
          'latencyMs', a.latency_ms, 'error', a.error) ORDER BY a.id) FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS "attemptLog"
      FROM webhook_deliveries d WHERE d.${column} = $1 AND d.account_id = $2 ORDER BY d.seq DESC LIMIT $3`, [id, account.id, first]);
    return rows.map((r) => ({ ...r, attemptLog: r.attemptLog.map((a) => ({ ...a, attemptedAt: new Date(a.attemptedAt) })) }));
  }

  /** Sends a delivery again, with its webhook-id (receivers deduplicate on it) and a new 24 h window. */
  async redeliver(account: Account, deliveryId: string): Promise<DeliveryPayload> {
    if (!UUID.test(deliveryId)) return { delivery: null, userErrors: [notFound("webhook delivery", "deliveryId")] };
    const { rows } = await this.sql.query<{ id: string; job_id: string | null; endpoint_id: string | null }>(`UPDATE webhook_deliveries
      SET state = 'PENDING', next_attempt_at = clock_timestamp(), retry_from = clock_timestamp()
      WHERE id = $1 AND account_id = $2 RETURNING id, job_id, endpoint_id`, [deliveryId, account.id]);
    return this.deliveryPayload(account, rows[0], "deliveryId");
  }

  /** A `webhook.test` event to one endpoint (disabled ones too: testing is how an owner checks a fix). */
  async sendTest(account: Account, endpointId: string): Promise<DeliveryPayload> {
    if (!UUID.test(endpointId)) return { delivery: null, userErrors: [notFound("webhook endpoint", "endpointId")] };
    const { rows } = await this.sql.query<{ id: string; job_id: string | null; endpoint_id: string | null }>(`INSERT INTO webhook_deliveries
        (account_id, endpoint_id, event, payload)
      SELECT account_id, id, $3, json_build_object('endpointId', id, 'message', 'A test event from Kinema.')
      FROM webhook_endpoints WHERE id = $1 AND account_id = $2 RETURNING id, job_id, endpoint_id`, [endpointId, account.id, TEST_EVENT]);
    return this.deliveryPayload(account, rows[0], "endpointId");
  }

  private async deliveryPayload(account: Account, row: { id: string; job_id: string | null; endpoint_id: string | null } | undefined, field: string): Promise<DeliveryPayload> {
    if (!row) return { delivery: null, userErrors: [notFound(field === "endpointId" ? "webhook endpoint" : "webhook delivery", field)] };
    const list = await this.deliveries(account, row.endpoint_id ? { endpointId: row.endpoint_id } : { jobId: row.job_id }, 100);
    return { delivery: list.find((d) => d.id === row.id) ?? null, userErrors: [] };
  }

  private async change(account: Account, id: string, set: string, values: unknown[]): Promise<EndpointPayload> {
    if (!UUID.test(id)) return { endpoint: null, userErrors: [notFound("webhook endpoint", "id")] };
    const { rows } = await this.sql.query<WebhookEndpointRecord>(
      `UPDATE webhook_endpoints SET ${set}, updated_at = clock_timestamp() WHERE id = $1 AND account_id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, account.id, ...values]);
    return rows[0] ? { endpoint: rows[0], userErrors: [] } : { endpoint: null, userErrors: [notFound("webhook endpoint", "id")] };
  }

  private async validate(input: EndpointInput): Promise<UserError[]> {
    const errors: UserError[] = [];
    if (input.url != null) {
      const bad = await this.checkUrl(input.url, ["url"]);
      if (bad) errors.push(bad);
    }
    if (input.events != null) {
      const unknown = input.events.filter((e) => !isWebhookEvent(e));
      if (input.events.length === 0 || unknown.length > 0) {
        errors.push({ code: "INVALID_EVENTS", message: `${unknown.length ? `Unknown events: ${unknown.join(", ")}. ` : "Name at least one event. "}Events: ${WEBHOOK_EVENTS.join(", ")}.`, field: ["events"] });
      }
    }
    if (input.description != null && input.description.trim().length > 200) errors.push({ code: "INVALID_DESCRIPTION", message: "The description is over 200 characters.", field: ["description"] });
    return errors;
  }
}
