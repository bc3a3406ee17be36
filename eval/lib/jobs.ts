// Submitting jobs and waiting for them through the API, as a client would: QUEUE_FULL is honoured by
// waiting its retryAfterSeconds (admission control is part of the system under test, not bypassed),
// and a job is followed by polling `job(id)` until it reaches a terminal status.
import { GENERATE, JOB, NetworkError, type EvalClient, type JobView, type UserError } from "./graphql.js";

export interface GenerateInput {
  prompt: string;
  durationSeconds: number;
  resolution: string;
  seed?: number;
  idempotencyKey?: string;
}

export interface Submission {
  job: { id: string; status: string; stepBudget: number } | null;
  userErrors: UserError[];
  /** how many QUEUE_FULL answers were waited out before this one */
  queueFullRetries: number;
}

export const TERMINAL = new Set(["SUCCEEDED", "FAILED", "BLOCKED", "CANCELLED"]);

/** Network errors (no HTTP answer) a request is retried through: only reads, and idempotent submissions. */
const NETWORK_RETRIES = 3;

async function retryingNetworkErrors<T>(attempt: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof NetworkError) || failures >= NETWORK_RETRIES) throw error;
      await sleep(250 * (failures + 1));
    }
  }
}

export async function submit(client: EvalClient, input: GenerateInput, options: { maxWaitMs?: number } = {}): Promise<Submission> {
  const deadline = Date.now() + (options.maxWaitMs ?? 120_000);
  // With an idempotency key a repeated submission is the same job, so a lost answer can be asked again.
  const send = () => client.request<{ generateVideo: Omit<Submission, "queueFullRetries"> }>(GENERATE, { input });
  for (let retries = 0; ; retries++) {
    const { generateVideo } = await (input.idempotencyKey ? retryingNetworkErrors(send) : send());
    const full = generateVideo.userErrors.find((e) => e.code === "QUEUE_FULL");
    if (!full || Date.now() > deadline) return { ...generateVideo, queueFullRetries: retries };
    await sleep(Math.min(10, full.retryAfterSeconds ?? 1) * 1000);
  }
}

/** Polls until the job is terminal; throws after `timeoutMs`. */
export async function awaitJob(client: EvalClient, id: string, timeoutMs: number, pollMs = 250): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { job } = await retryingNetworkErrors(() => client.request<{ job: JobView | null }>(JOB, { id }));
    if (!job) throw new Error(`job ${id} is not visible to its owner`);
    if (TERMINAL.has(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}/${job.stage} after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(pollMs);
  }
}

/** Fetches a signed URL; the clip must come back 200 as video/mp4. */
export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (res.status !== 200) throw new Error(`GET of the signed URL answered ${res.status}`);
  const type = res.headers.get("content-type");
  if (type !== "video/mp4") throw new Error(`the signed URL served content-type ${type ?? "none"}, not video/mp4`);
  return Buffer.from(await res.arrayBuffer());
}

/** Runs `fn` over `items` with at most `limit` at once; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
