// The job service the resolvers call: submit, cancel, read, list. Always scoped to the caller's account:
// another account's job is indistinguishable from a job that does not exist. Every prompt goes through
// the safety pre-filter before anything is queued: a blocked one is recorded as a BLOCKED job (stage
// PREFILTER, never queued, no event) for audit, and the caller gets PROMPT_BLOCKED.
import { randomInt } from "node:crypto";
import type { Config } from "../config/config.js";
import type { Sql } from "../db/pool.js";
import type { Prisma } from "../db/prisma.js";
import type { Account } from "../accounts/accounts.js";
import type { EventBus } from "../events/bus.js";
import type { Job as JobRecord } from "../generated/prisma/client.js";
import { cancelJob } from "../queue/sql/cancelJob.js";
import type { PromptFilter } from "../safety/prefilter/service.js";
import { GEOMETRY } from "./policy.js";
import type { JobStatus } from "./states.js";
import { isJobId, validateGenerateInput, type GenerateInput, type UserError } from "./validate.js";

export type { JobRecord };

export interface JobPayload { job: JobRecord | null; userErrors: UserError[] }

export interface JobFilter { status?: JobStatus[] | null; createdAfter?: Date | null; createdBefore?: Date | null }

export interface JobPage { jobs: JobRecord[]; hasNextPage: boolean }

export const MAX_PAGE_SIZE = 100;
const MAX_SEED = 2 ** 31 - 1;

/** What a blocked prompt's author is told: the same words whatever tripped it, so nothing is taught. */
export const PROMPT_BLOCKED_MESSAGE = "This prompt can't be used. Please rephrase it.";
const PROMPT_BLOCKED: UserError = { code: "PROMPT_BLOCKED", message: PROMPT_BLOCKED_MESSAGE, field: ["input", "prompt"] };

export class JobService {
  constructor(
    private readonly prisma: Prisma,
    private readonly sql: Sql,
    private readonly bus: EventBus,
    private readonly config: Pick<Config, "tiers" | "video" | "queue">,
    private readonly prefilter: PromptFilter,
  ) {}

  async submit(account: Account, input: GenerateInput): Promise<JobPayload> {
    const limits = this.config.tiers[account.tier];
    const userErrors = validateGenerateInput(input, limits);
    if (userErrors.length > 0) return { job: null, userErrors };

    const key = input.idempotencyKey ?? null;
    if (key !== null) {
      const existing = await this.findByIdempotencyKey(account.id, key);
      if (existing) return this.replay(existing, input);
    }
    const { width, height } = GEOMETRY[input.resolution];
    // In memory, a few microseconds; the decision (and the rule-set version it used) stays on the row.
    const decision = this.prefilter.check(input.prompt);
    const blocked = decision.verdict === "blocked";
    try {
      const job = await this.prisma.job.create({
        data: {
          accountId: account.id, tier: account.tier, status: blocked ? "BLOCKED" : "QUEUED", stage: blocked ? "PREFILTER" : "QUEUED",
          prompt: input.prompt.trim(), resolution: input.resolution, width, height,
          durationSeconds: input.durationSeconds, fps: this.config.video.fps,
          seed: BigInt(input.seed ?? randomInt(0, MAX_SEED)), stepBudget: limits.stepBudget,
          idempotencyKey: key, maxAttempts: this.config.queue.maxAttempts, metadata: { prefilter: decision },
          ...(blocked ? { errorCode: PROMPT_BLOCKED.code, errorMessage: PROMPT_BLOCKED.message, finishedAt: new Date() } : {}),
        },
      });
      // A blocked job is history, not work: no event, so no worker wakes for it (and none could claim it).
      if (blocked) return { job: null, userErrors: [PROMPT_BLOCKED] };
      await this.bus.publish({ kind: "job", jobId: job.id, status: "QUEUED", stage: "QUEUED", queueChanged: true });
      return { job, userErrors: [] };
    } catch (error) {
      // Two requests with one idempotency key raced: the loser returns the winner's job.
      if (key !== null && (error as { code?: string }).code === "P2002") {
        const existing = await this.findByIdempotencyKey(account.id, key);
        if (existing) return this.replay(existing, input);
      }
      throw error;
    }
  }

  async cancel(account: Account, id: string): Promise<JobPayload> {
    const before = await this.get(account, id);
    if (!before) return { job: null, userErrors: [notFound(id)] };
    const status = await cancelJob(this.sql, before.id, account.id);
    const job = await this.get(account, id);
    if (status === null) {
      return { job, userErrors: [{ code: "JOB_FINISHED", message: `The job has already finished (${job?.status ?? before.status}).`, field: ["id"] }] };
    }
    await this.bus.publish({ kind: "job", jobId: before.id, status, stage: before.stage, queueChanged: status === "CANCELLED" });
    return { job, userErrors: [] };
  }

  async get(account: Account, id: string): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    return this.prisma.job.findFirst({ where: { id, accountId: account.id } });
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

  private findByIdempotencyKey(accountId: string, key: string): Promise<JobRecord | null> {
    return this.prisma.job.findUnique({ where: { accountId_idempotencyKey: { accountId, idempotencyKey: key } } });
  }

  /** A repeated request returns the first job; a different request under the same key is refused. */
  private replay(existing: JobRecord, input: GenerateInput): JobPayload {
    const same = existing.prompt === input.prompt.trim() && existing.resolution === input.resolution
      && existing.durationSeconds === input.durationSeconds && (input.seed == null || Number(existing.seed) === input.seed);
    if (same && existing.status === "BLOCKED" && existing.stage === "PREFILTER") return { job: null, userErrors: [PROMPT_BLOCKED] };
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
