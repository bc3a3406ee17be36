// Builds an API process's webhook parts: the secret box, the address policy, the owner's service and the
// sender. The progress throttle's interval is written where the outbox trigger reads it (settings).
import { randomBytes } from "node:crypto";
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import { ensureSetting } from "../db/settings.js";
import type { EventBus } from "../events/bus.js";
import type { Logger } from "../log.js";
import { AddressPolicy } from "./address-policy.js";
import type { SignVideo } from "./payload.js";
import { SecretBox } from "./secrets.js";
import { WebhookSender } from "./sender.js";
import { WebhookService } from "./service.js";

export interface Webhooks { service: WebhookService; sender: WebhookSender }

export async function createWebhooks(sql: Sql, config: Config["webhooks"], bus: EventBus, signVideo: SignVideo, log: Logger): Promise<Webhooks> {
  // Without KINEMA_WEBHOOK_SECRET_KEY the key sits in the database beside what it seals: the secrets are
  // then only as safe as the database (said once at start, so an operator knows).
  const key = config.secretKey ?? await ensureSetting(sql, "webhook_secret_key", () => randomBytes(32).toString("base64url"));
  if (!config.secretKey) log.warn("KINEMA_WEBHOOK_SECRET_KEY is unset: webhook secrets are sealed with a key kept in the database");
  await sql.query(`INSERT INTO settings (key, value) VALUES ('webhook_progress_interval_ms', $1)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(config.progressIntervalMs)]);
  const box = new SecretBox(Buffer.from(key, "base64url"));
  const policy = new AddressPolicy(config.allowedCidrs);
  return { service: new WebhookService(sql, policy, box), sender: new WebhookSender({ sql, policy, box, signVideo, config, log, bus }) };
}
