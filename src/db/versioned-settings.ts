// A one-row settings table with a version, as every process holds it: loaded at start, polled for a new
// version every `pollMs` (when > 0), reloaded only when the version moved, never stepped back to an older
// version (a slow reload finishing after a newer write), one reload in flight at a time. The scheduler's
// config, the usage limits and the safety switches are each one of these; each store adds its own
// validation, write and logging around it.
import { startPoller, type Poller } from "./poller.js";
import type { Sql } from "./pool.js";
import type { Logger } from "../log.js";

export interface VersionedSettingsSource<T extends { version: number }> {
  /** what the table holds now */
  load(sql: Sql): Promise<T>;
  /** the stored version alone (the poll's one cheap read) */
  version(sql: Sql): Promise<number>;
  /** for log lines: "scheduler config", "usage limits" ... */
  what: string;
  /** what a reload logs of the new value (its version under the store's own key, e.g. usageLimitsVersion) */
  describe(value: T): Record<string, unknown>;
}

export class VersionedSettings<T extends { version: number }> {
  private poller: Poller | null = null;
  private inFlight: Promise<boolean> | null = null;

  private constructor(private readonly sql: Sql, private readonly source: VersionedSettingsSource<T>, private readonly log: Logger, private value: T) {}

  static async start<T extends { version: number }>(sql: Sql, source: VersionedSettingsSource<T>, pollMs: number, log: Logger): Promise<VersionedSettings<T>> {
    const settings = new VersionedSettings(sql, source, log, await source.load(sql));
    if (pollMs > 0) {
      settings.poller = startPoller(pollMs, () => settings.refresh(), (error) => log.warn({ err: error }, `could not poll the ${source.what}`));
    }
    return settings;
  }

  get current(): T {
    return this.value;
  }

  /** Puts a value in force unless this process already holds the same or a newer version. */
  adopt(value: T): boolean {
    if (value.version <= this.value.version) return false;
    this.value = value;
    return true;
  }

  /** Reloads if the stored version moved; true when a newer value was put in force. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.reload().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.poller?.stop();
    await this.inFlight?.catch(() => {});
  }

  private async reload(): Promise<boolean> {
    if (await this.source.version(this.sql) === this.value.version) return false;
    const adopted = this.adopt(await this.source.load(this.sql));
    if (adopted) this.log.info(this.source.describe(this.value), `${this.source.what} reloaded`);
    return adopted;
  }
}
