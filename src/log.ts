// Structured JSON logs. LOG_LEVEL picks the level (default info; tests set silent).
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? "info" });
}
