// Follows a job's `jobProgress` subscription to its terminal state. The first event of every subscription
// is the job's current state, so when the socket drops the CLI reconnects and resubscribes and has missed
// nothing; it gives up after a few tries in a row without an event.
import { isTerminal } from "../jobs/states.js";
import { briefSocketFailure, isTransientSocketFailure, sleep, type KinemaClient } from "./client.js";
import { PROGRESS, type JobProgress } from "./documents.js";
import { EXIT_FAILED, ExitError } from "./exit.js";

export interface FollowOptions {
  onEvent(event: JobProgress): void;
  /** The socket dropped (`reason`, in a few words); the `attempt`th reconnect of at most `max` starts in `delayMs`. */
  onReconnecting?(attempt: number, max: number, reason: string, delayMs: number): void;
  /** Aborting stops following; `followJob` then rejects with the signal's reason. */
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: (attempt: number) => number;
}

type Outcome = { kind: "complete" } | { kind: "error"; error: unknown } | { kind: "aborted" };

export async function followJob(client: KinemaClient, jobId: string, options: FollowOptions): Promise<JobProgress> {
  const retries = options.retries ?? 5;
  const delay = options.retryDelayMs ?? ((attempt) => Math.min(500 * 2 ** (attempt - 1), 8_000));
  let last: JobProgress | null = null;
  let failures = 0;
  for (;;) {
    let events = 0;
    const outcome = await subscribeOnce(client, jobId, options.signal, (event) => {
      events++;
      last = event;
      options.onEvent(event);
    });
    if (outcome.kind === "aborted") throw options.signal?.reason ?? new Error("aborted");
    if (last && isTerminal((last as JobProgress).status)) return last;
    const error = outcome.kind === "error" ? outcome.error : { code: 1000, reason: "the subscription ended early" };
    if (!isTransientSocketFailure(error)) throw client.socketFailure(error);
    failures = events > 0 ? 1 : failures + 1;
    if (failures > retries) {
      const reason = client.socketFailure(error).message;
      throw new ExitError(`${reason} Gave up after ${retries} reconnects; the job goes on: kinema job ${jobId}`, EXIT_FAILED);
    }
    const ms = delay(failures);
    options.onReconnecting?.(failures, retries, briefSocketFailure(error), ms);
    const wait = sleep(ms);
    if (options.signal) {
      const aborted = new Promise<void>((resolve) => options.signal!.addEventListener("abort", () => resolve(), { once: true }));
      await Promise.race([wait, aborted]);
      if (options.signal.aborted) throw options.signal.reason;
    } else {
      await wait;
    }
  }
}

/** One connection and one subscription, until it completes, fails or is aborted. */
function subscribeOnce(client: KinemaClient, jobId: string, signal: AbortSignal | undefined, onEvent: (event: JobProgress) => void): Promise<Outcome> {
  if (signal?.aborted) return Promise.resolve({ kind: "aborted" });
  const socket = client.socket();
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      unsubscribe();
      void socket.dispose();
      resolve(outcome);
    };
    const onAbort = () => settle({ kind: "aborted" });
    const unsubscribe = socket.subscribe<{ jobProgress: JobProgress }>({ query: PROGRESS, variables: { id: jobId } }, {
      next: (value) => {
        if (value.errors?.length) return settle({ kind: "error", error: value.errors });
        if (value.data?.jobProgress) onEvent(value.data.jobProgress);
      },
      error: (error) => settle({ kind: "error", error }),
      complete: () => settle({ kind: "complete" }),
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
