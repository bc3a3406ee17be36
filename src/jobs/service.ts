// The job service the resolvers call: submit, cancel, read, list. Always scoped to the caller's account:
// another account's job is indistinguishable from a job that does not exist. Every prompt goes through
// the safety pre-filter before anything is queued: a blocked one is recorded as a BLOCKED job (stage
// PREFILTER, never queued, no event) for audit, and the caller gets PROMPT_BLOCKED. Then the scheduler's
// two gates: the exact-match cache (a seeded request identical to a delivered one of the same account
// gets that video as a new SUCCEEDED job, no GPU work) and admission control (a FREE job whose predicted
// queue wait exceeds its target is refused with QUEUE_FULL and a retry-after hint, not queued). Before
// them all, under the account's submission lock, the tier's rate limits and quotas (src/limits): the
// per-minute rate for every submission, the daily quota and the queued-jobs limit for work to queue.
import { suspensionError } from "../safety/switches/prompt-filter.js";
import { randomInt } from "node:crypto";
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import type { Prisma } from "../db/prisma.js";
import type { Account } from "../accounts/accounts.js";
import type { EventBus } from "../events/bus.js";
import type { Job as JobRecord, Prisma as PrismaNamespace } from "../generated/prisma/client.js";
import { cancelJob } from "../queue/sql/cancelJob.js";
import { admissionStats, queueStats, weightedAhead } from "../queue/sql/queuePositions.js";
import { cacheKey, modelHash } from "../scheduler/cache.js";
import type { SchedulerConfig } from "../scheduler/store.js";
import type { PromptFilter } from "../safety/prefilter/service.js";
import { GEOMETRY } from "./policy.js";
import type { JobStatus } from "./states.js";
import { isJobId, negativePromptOf, validateGenerateInput, type GenerateInput, type UserError } from "./validate.js";
import { generationRefusal, limitPolicies, submissionRefusal, type LimitPolicy } from "../limits/policy.js";
import { accountUsageWindow, lockAccountSubmissions, prismaRows, prismaSql, type AccountUsageWindow } from "../limits/sql/usage.js";
import type { TierUsageLimits, UsageLimitsConfig } from "../limits/store.js";

export type { JobRecord };

export interface JobPayload {
  job: JobRecord | null;
  userErrors: UserError[];
  /** the caller's rate-limit policies after this submission (the API's RateLimit headers); absent on replays */
  rateLimit?: LimitPolicy[];
}

/** A job's one-off webhook URL and its sealed secret (src/webhooks/): stored on the row for the outbox trigger. */
export interface JobWebhook { url: string; sealedSecret: string }

export interface JobFilter { status?: JobStatus[] | null; createdAfter?: Date | null; createdBefore?: Date | null }

export interface JobPage { jobs: JobRecord[]; hasNextPage: boolean }

export const MAX_PAGE_SIZE = 100;
const MAX_SEED = 2 ** 31 - 1;

/** What a blocked prompt's author is told: the same words whatever tripped it, so nothing is taught. */
export const PROMPT_BLOCKED_MESSAGE = "This prompt can't be used. Please rephrase it.";
const PROMPT_BLOCKED: UserError = { code: "PROMPT_BLOCKED", message: PROMPT_BLOCKED_MESSAGE, field: ["input", "prompt"] };
const NEGATIVE_PROMPT_BLOCKED: UserError = { code: "PROMPT_BLOCKED", message: PROMPT_BLOCKED_MESSAGE, field: ["input", "negativePrompt"] };
const NOTHING_ADDED = { submission: false, generation: false };

type PrismaTx = PrismaNamespace.TransactionClient;

/** What the submission's transaction decided: the job (or a refusal), and the usage it counted. */
interface Submitted {
  job: JobRecord | null;
  error: UserError | null;
  usage: AccountUsageWindow;
  tierLimits: TierUsageLimits | null;
  added: { submission: boolean; generation: boolean };
}

export class JobService {
  constructor(
    private readonly prisma: Prisma,
    private readonly sql: Sql,
    private readonly bus: EventBus,
    private readonly config: Pick<Config, "tiers" | "video" | "queue" | "engine">,
    private readonly prefilter: PromptFilter,
    /** the scheduler's settings in force (SchedulerConfigStore); null: no admission control */
    private readonly scheduler: { readonly current: SchedulerConfig } | null = null,
    /** the rate limits and quotas in force (UsageLimitsStore); null: none */
    private readonly limits: { readonly current: UsageLimitsConfig } | null = null,
  ) {}

  async submit(account: Account, input: GenerateInput, webhook: JobWebhook | null = null): Promise<JobPayload> {
    const limits = this.config.tiers[account.tier];
    const userErrors = validateGenerateInput(input, limits);
    if (userErrors.length > 0) return { job: null, userErrors };

    const key = input.idempotencyKey ?? null;
    if (key !== null) {
      const existing = await this.findByIdempotencyKey(account.id, key);
      if (existing) return this.replay(existing, input);
    }
    const { width, height } = GEOMETRY[input.resolution];
    const negativePrompt = negativePromptOf(input);
    // In memory, a few microseconds; the decision (and the rule-set version it used) stays on the row.
    // The negative prompt goes through the same filter: it is text the model conditions on too.
    const decision = this.prefilter.check(input.prompt);
    const negativeDecision = negativePrompt === null ? null : this.prefilter.check(negativePrompt);
    // A suspended category (the kill switch) says so; a rule's block says the same words whatever tripped it.
    const refused = decision.verdict === "blocked" ? (suspensionError(decision) ?? PROMPT_BLOCKED)
      : negativeDecision?.verdict === "blocked" ? (suspensionError(negativeDecision) ?? NEGATIVE_PROMPT_BLOCKED) : null;
    const blocked = refused !== null;
    const seed = input.seed ?? randomInt(0, MAX_SEED);
    const hash = blocked ? null : await modelHash(this.config.engine.modelDir);
    const jobCacheKey = hash === null ? null : cacheKey({
      prompt: input.prompt, seed, resolution: input.resolution, durationSeconds: input.durationSeconds, stepBudget: limits.stepBudget, modelHash: hash, negativePrompt,
    });
    const prefilter = negativeDecision ? { prefilter: decision, negativePrefilter: negativeDecision } : { prefilter: decision };
    const tierLimits = this.limits?.current.tiers[account.tier] ?? null;
    try {
      // The rate limits count this account's jobs rows under its submission lock, and the row this
      // submission adds commits in the same transaction (src/limits/sql/usage.ts): replicas agree.
      const outcome = await this.prisma.$transaction(async (tx): Promise<Submitted> => {
        const rows = prismaRows(tx);
        await lockAccountSubmissions(rows, account.id);
        const usage = await accountUsageWindow(rows, account.id);
        const refuse = (error: UserError): Submitted => ({ job: null, error, usage, tierLimits, added: NOTHING_ADDED });
        const rate = tierLimits && submissionRefusal(tierLimits, usage);
        if (rate) return refuse(rate);
        // Only an explicit seed can ask for a video that already exists: without one, the caller wants a new one.
        if (jobCacheKey !== null && input.seed != null) {
          const hit = await this.fromCache(tx, account, jobCacheKey, hash!, input, prefilter, key, webhook);
          if (hit) return { job: hit, error: null, usage, tierLimits, added: { submission: true, generation: false } };
        }
        if (!blocked) {
          const inTx = prismaSql(tx);
          const quota = tierLimits && await generationRefusal(tierLimits, usage, () => this.meanRunSeconds(inTx));
          const refusal = quota ?? await this.admission(account, inTx);
          if (refusal) return refuse(refusal);
        }
        const deadlineAt = !blocked && input.deadlineSeconds != null ? new Date(usage.databaseNow.getTime() + input.deadlineSeconds * 1000) : null;
        const job = await tx.job.create({
          data: {
            accountId: account.id, tier: account.tier, status: blocked ? "BLOCKED" : "QUEUED", stage: blocked ? "PREFILTER" : "QUEUED",
            prompt: input.prompt.trim(), resolution: input.resolution, width, height,
            durationSeconds: input.durationSeconds, fps: this.config.video.fps,
            seed: BigInt(seed), stepBudget: limits.stepBudget, cacheKey: jobCacheKey, deadlineAt,
            // The database's clock, as the rate windows and the claim's deadline check read it.
            createdAt: usage.databaseNow,
            idempotencyKey: key, maxAttempts: this.config.queue.maxAttempts,
            webhookUrl: webhook?.url ?? null, webhookSecret: webhook?.sealedSecret ?? null,
            // The worker reads the request's options from the claimed row's metadata (the claim returns it).
            metadata: { ...prefilter, ...(negativePrompt !== null ? { negativePrompt } : {}) },
            ...(blocked ? { errorCode: refused.code, errorMessage: refused.message, finishedAt: new Date() } : {}),
          },
        });
        return { job, error: blocked ? refused : null, usage, tierLimits, added: { submission: !blocked, generation: !blocked } };
      }, { maxWait: 30_000, timeout: 60_000 });
      const rateLimit = outcome.tierLimits ? limitPolicies(outcome.tierLimits, outcome.usage, outcome.added) : undefined;
      // A blocked job is history, not work: no event, so no worker wakes for it (and none could claim it).
      if (outcome.error || !outcome.job) return { job: null, userErrors: outcome.error ? [outcome.error] : [], rateLimit };
      const { job } = outcome;
      await this.bus.publish(job.status === "SUCCEEDED"
        ? { kind: "job", jobId: job.id, status: "SUCCEEDED", stage: "DONE" }
        : { kind: "job", jobId: job.id, status: "QUEUED", stage: "QUEUED", queueChanged: true });
      return { job, userErrors: [], rateLimit };
    } catch (error) {
      // Two requests with one idempotency key raced: the loser returns the winner's job.
      if (key !== null && (error as { code?: string }).code === "P2002") {
        const existing = await this.findByIdempotencyKey(account.id, key);
        if (existing) return this.replay(existing, input);
      }
      throw error;
    }
  }

  /** The recent mean run time: when one of an account's queued jobs is likely to leave the queue. */
  private async meanRunSeconds(sql: Sql): Promise<number> {
    return (await queueStats(sql)).meanRunSeconds ?? 10;
  }

  async cancel(account: Account, id: string): Promise<JobPayload> {
    const before = await this.get(account, id);
    if (!before) return { job: null, userErrors: [notFound(id)] };
    // On a PostgreSQL bus the statement announces itself (pg_notify in the same statement); otherwise
    // (embedded: bus and subscribers live in this process) it is published here.
    const channel = this.bus.sqlChannel ?? null;
    const cancelled = await cancelJob(this.sql, before.id, account.id, channel, { by: "owner", accountId: account.id });
    if (cancelled && channel === null) {
      await this.bus.publish({ kind: "job", jobId: before.id, status: cancelled.status, stage: cancelled.stage, queueChanged: cancelled.status === "CANCELLED" });
    }
    const job = await this.get(account, id);
    if (cancelled === null) {
      return { job, userErrors: [{ code: "JOB_FINISHED", message: `The job has already finished (${job?.status ?? before.status}).`, field: ["id"] }] };
    }
    return { job, userErrors: [] };
  }

  async get(account: Account, id: string): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    return this.prisma.job.findFirst({ where: { id, accountId: account.id } });
  }

  /**
   * A job by id, whoever owns it: only for readers that check the owner themselves (the progress hub
   * reads a row once per event for all its subscribers, then compares each one's account).
   */
  async getById(id: string): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    return this.prisma.job.findUnique({ where: { id } });
  }

  /** One page of the account's history, newest first, after an opaque cursor. */
  async list(account: Account, first: number, after: string | null, filter: JobFilter): Promise<JobPage> {
    const cursor = after ? decodeCursor(after) : null;
    const rows = await this.prisma.job.findMany({
      where: {
        accountId: account.id,
        ...(filter.status?.length ? { status: { in: filter.status } } : {}),
        createdAt: { ...(filter.createdAfter ? { gte: filter.createdAfter } : {}), ...(filter.createdBefore ? { lt: filter.createdBefore } : {}) },
        ...(cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {}),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: first + 1,
    });
    return { jobs: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  /**
   * Admission control (FREE only; PLUS is never refused): the new job's predicted queue wait, from its
   * weighted position (queuePositions' estimate: the FREE jobs queued now, plus PLUS claims interleaved
   * by the weights) and the running jobs, drained by the live workers at the recent mean run time:
   * max(0, ahead + running + 1 - workers) / workers x mean run. No history yet: admitted.
   */
  private async admission(account: Account, sql: Sql): Promise<UserError | null> {
    const cfg = this.scheduler?.current;
    if (!cfg?.admissionControl || account.tier !== "FREE") return null;
    const stats = await admissionStats(sql);
    if (stats.meanRunSeconds === null) return null;
    const workers = Math.max(1, stats.liveWorkers);
    const ahead = cfg.fairShare
      ? weightedAhead(stats.queuedFree, stats.queuedPlus, cfg.freeWeight, cfg.plusWeight)
      : stats.queuedFree + stats.queuedPlus;
    const waitSeconds = Math.max(0, ahead + stats.running + 1 - workers) / workers * stats.meanRunSeconds;
    if (waitSeconds <= cfg.freeQueueWaitTargetSeconds) return null;
    const retryAfterSeconds = Math.max(1, Math.ceil(waitSeconds - cfg.freeQueueWaitTargetSeconds));
    return {
      code: "QUEUE_FULL", retryAfterSeconds,
      message: `The free queue is full (predicted wait ${Math.ceil(waitSeconds)} s, target ${cfg.freeQueueWaitTargetSeconds} s). Please retry in ${retryAfterSeconds} seconds.`,
    };
  }

  /**
   * A delivered job of this account with the same cache key (and made by the same model, as its
   * denoising recorded) becomes a new SUCCEEDED job with the same video object (provenance included),
   * without GPU work: metadata.cache = { hit: true, sourceJobId }. No started_at: it never ran. Inside the
   * submission's transaction (published by the caller after commit).
   * Index: jobs_cache_idx.
   */
  private async fromCache(tx: PrismaTx, account: Account, key: string, hash: string, input: GenerateInput, prefilter: object, idempotencyKey: string | null, webhook: JobWebhook | null): Promise<JobRecord | null> {
    const candidates = await tx.job.findMany({
      where: { accountId: account.id, cacheKey: key, status: "SUCCEEDED" }, orderBy: [{ finishedAt: "desc" }], take: 5,
    });
    const source = candidates.find((c) => {
      const meta = c.metadata as { denoise?: { modelHash?: string }; cache?: { hit?: boolean } } | null;
      return c.video !== null && meta?.denoise?.modelHash === hash;
    });
    if (!source) return null;
    const { failures: _failures, cache: _cache, ...meta } = (source.metadata ?? {}) as Record<string, unknown>;
    const sourceJobId = ((source.metadata as { cache?: { sourceJobId?: string } }).cache?.sourceJobId) ?? source.id;
    return tx.job.create({
      data: {
        accountId: account.id, tier: account.tier, status: "SUCCEEDED", stage: "DONE",
        prompt: input.prompt.trim(), resolution: input.resolution, width: source.width, height: source.height,
        durationSeconds: input.durationSeconds, fps: source.fps, seed: source.seed, stepBudget: source.stepBudget,
        stepsCompleted: source.stepsCompleted, idempotencyKey, maxAttempts: this.config.queue.maxAttempts, cacheKey: key,
        video: source.video as object, finishedAt: new Date(),
        webhookUrl: webhook?.url ?? null, webhookSecret: webhook?.sealedSecret ?? null,
        metadata: { ...meta, ...prefilter, cache: { hit: true, sourceJobId } } as object,
      },
    });
  }

  private findByIdempotencyKey(accountId: string, key: string): Promise<JobRecord | null> {
    // At most one row: the partial unique index on (account_id, idempotency_key) where a key is set (0025).
    return this.prisma.job.findFirst({ where: { accountId, idempotencyKey: key } });
  }

  /** A repeated request returns the first job; a different request under the same key is refused. */
  private replay(existing: JobRecord, input: GenerateInput): JobPayload {
    const same = existing.prompt === input.prompt.trim() && existing.resolution === input.resolution
      && existing.durationSeconds === input.durationSeconds && (input.seed == null || Number(existing.seed) === input.seed)
      && ((existing.metadata as { negativePrompt?: string } | null)?.negativePrompt ?? null) === negativePromptOf(input);
    if (same && existing.status === "BLOCKED" && existing.stage === "PREFILTER") {
      // The first answer again: a suspended category's refusal keeps its own code and words.
      const suspended = existing.errorCode === "CATEGORY_SUSPENDED" && existing.errorMessage;
      const meta = existing.metadata as { prefilter?: { verdict?: string } } | null;
      return { job: null, userErrors: [suspended ? { code: "CATEGORY_SUSPENDED", message: existing.errorMessage!, field: ["input", "prompt"] }
        : meta?.prefilter?.verdict === "blocked" ? PROMPT_BLOCKED : NEGATIVE_PROMPT_BLOCKED] };
    }
    if (same) return { job: existing, userErrors: [] };
    return {
      job: null,
      userErrors: [{ code: "IDEMPOTENCY_KEY_REUSED", message: "This idempotency key was used for a different request.", field: ["input", "idempotencyKey"] }],
    };
  }
}

function notFound(id: string): UserError {
  return { code: "NOT_FOUND", message: `No job with id ${JSON.stringify(id)}.`, field: ["id"] };
}

export class InvalidCursorError extends Error {}

export function encodeCursor(job: Pick<JobRecord, "createdAt" | "id">): string {
  return Buffer.from(`${job.createdAt.toISOString()}|${job.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const createdAt = new Date(iso ?? "");
  if (!id || !isJobId(id) || Number.isNaN(createdAt.getTime())) throw new InvalidCursorError(`invalid cursor: ${cursor}`);
  return { createdAt, id };
}
