// Structured JSON logs on stdout. LOG_LEVEL picks the level (default info; tests set silent). Fields
// that could carry a credential are censored wherever they appear in a log object, so a careless
// `log.info({ headers })` or `log.error({ config })` cannot leak one (test/embedded.test.ts reads the
// stream of a whole embedded run for keys and secrets).
import { pino, type Logger } from "pino";

export type { Logger };

const SECRET_FIELDS = ["authorization", "Authorization", "apiKey", "key", "secret", "password", "secretAccessKey", "connectionParams", "cookie"];
export const REDACTED_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), ...SECRET_FIELDS.map((f) => `*.*.${f}`)];

export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? "info", redact: { paths: REDACTED_PATHS, censor: "[redacted]" } });
}
