// Group commit of attempt outcomes: the first outcome starts a write at once; outcomes that end while a
// write is in flight wait and go together in the next one (sql/recordAttempts.ts, one statement per
// batch). Under a trickle every outcome is written alone and at once; under load a batch holds whatever
// ended during one statement (a few dozen at 2,000 deliveries/s), so the cost per delivery falls as the
// load rises instead of the statements queueing for the pool. A batch that fails is tried again once on a
// serialization failure or deadlock; otherwise its deliveries stay leased and come due again when their
// lease ends (at least once: they are sent again).
import type { Sql } from "../db/pool.js";
import type { Logger } from "../log.js";
import { recordAttempts, type AttemptOutcome } from "./sql/recordAttempts.js";

/** At most this many outcomes per statement (the arrays stay a few hundred KB at most). */
const MAX_BATCH = 500;
const RETRYABLE = new Set(["40001", "40P01"]);

interface Waiting { outcome: AttemptOutcome; done: (error?: unknown) => void }

export class AttemptRecorder {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly sql: Sql, private readonly disableAfterMs: number, private readonly log: Logger) {}

  /** Resolves once the outcome is written; rejects when its batch could not be. */
  record(outcome: AttemptOutcome): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ outcome, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.writing) return;
      // setImmediate, not now: outcomes that ended in the same turn of the event loop go together.
      this.writing = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        const outcomes = batch.map((w) => w.outcome);
        try {
          await recordAttempts(this.sql, outcomes, this.disableAfterMs).catch((error: { code?: string }) => {
            if (!RETRYABLE.has(error?.code ?? "")) throw error;
            this.log.info({ err: error, batch: outcomes.length }, "recording webhook attempts: retrying once");
            return recordAttempts(this.sql, outcomes, this.disableAfterMs);
          });
          for (const w of batch) w.done();
        } catch (error) {
          const wrapped = new Error(`recording ${outcomes.length} webhook attempts failed`, { cause: error });
          for (const w of batch) w.done(wrapped);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
