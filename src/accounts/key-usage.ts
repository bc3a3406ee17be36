// lastUsedAt without a write per request: each use is noted in memory (a Map set, no I/O) and all keys'
// latest uses are written in one statement every `flushMs` (default a minute), so a key costs at most
// one write per minute per API process however busy it is. A process that dies loses at most that
// minute of last-use times; stop() writes what is pending.
import type { Sql } from "../db/pool.js";
import type { Logger } from "../log.js";
import { recordKeyUse } from "./sql/recordKeyUse.js";

export class KeyUsageRecorder {
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly sql: Sql, private readonly flushMs: number, private readonly log?: Logger) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Notes a use of the key; written by the next flush. */
  touch(keyId: string, at = new Date()): void {
    this.pending.set(keyId, at);
  }

  /** The use noted for a key and not yet written, if any (so a listing shows it before the flush). */
  pendingUse(keyId: string): Date | undefined {
    return this.pending.get(keyId);
  }

  /** Writes every pending use in one statement; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await recordKeyUse(this.sql, batch);
      } catch (error) {
        // Put the batch back unless newer uses replaced it; the next flush retries.
        for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
        this.log?.warn({ err: error, keys: batch.size }, "could not record API key use");
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
