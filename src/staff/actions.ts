// What support staff and admins do to other accounts, each audited: cancel any job, retry a FAILED job,
// revoke any key, change an account's tier, suspend and reactivate an account. Each takes a reason
// (1-1000 characters) and runs in one transaction with exactly one audit_log row (src/audit/): the action
// and its record commit together or not at all. An attempt that changes nothing (unknown id, a finished
// job, an already revoked key) is a userError and writes no row. Who may call which is the
// authorisation matrix's business (src/api/authorization.ts), not this file's.
import type pg from "pg";
import type { Account } from "../accounts/accounts.js";
import type { ApiKeyRecord } from "../accounts/api-keys.js";
import type { Tier } from "../config/config.js";
import type { EventBus } from "../events/bus.js";
import type { JobRecord } from "../jobs/service.js";
import { isUuid, type UserError } from "../jobs/validate.js";
import { cancelJob } from "../queue/sql/cancelJob.js";
import { recordAudit } from "../audit/audit-log.js";
import { inTransaction } from "../audit/transaction.js";
import type { StaffAccountRecord } from "./sql/accounts.js";
import {
  cancelAccountJobs, lockAccount, lockJob, lockKey, retryFailedJob, revokeKey, updateAccount,
} from "./sql/actions.js";

export const MAX_REASON_LENGTH = 1000;

export interface StaffJobPayload { job: JobRecord | null; userErrors: UserError[] }
export interface StaffKeyPayload { apiKey: ApiKeyRecord | null; userErrors: UserError[] }
export interface StaffAccountPayload { account: StaffAccountRecord | null; cancelledJobs: number; userErrors: UserError[] }

/** What the rest of the process must hear after a commit (the API's caches and open sockets). */
export interface StaffActionListeners {
  /** a key was revoked: drop it from the key cache, close its sockets */
  keyRevoked(keyHash: string): void;
  /** an account's tier or suspension changed: re-read its keys now */
  accountChanged(accountId: string): void;
}

export class StaffActions {
  constructor(private readonly pool: pg.Pool, private readonly bus: EventBus, private readonly listeners: StaffActionListeners) {}

  async cancelJob(staff: Account, id: string, reason: string): Promise<StaffJobPayload> {
    const why = checkReason(reason);
    if (typeof why !== "string") return { job: null, userErrors: [why] };
    if (!isUuid(id)) return { job: null, userErrors: [notFound("job", id)] };
    const outcome = await inTransaction(this.pool, async (tx) => {
      const before = await lockJob(tx, id);
      if (!before) return { error: notFound("job", id) };
      // Announced inside the statement (so at commit, with the audit row) on a PostgreSQL bus.
      const by = { by: "staff", accountId: staff.id, role: staff.role, reason: why } as const;
      const status = await cancelJob(tx, id, before.accountId, this.bus.sqlChannel ?? null, by);
      if (status === null) return { error: finished(before), job: before };
      const after = (await lockJob(tx, id))!;
      await recordAudit(tx, { actor: staff, action: "job.cancel", targetType: "Job", targetId: id, reason: why, before: jobView(before), after: jobView(after) });
      return { job: after };
    });
    if ("error" in outcome) return { job: outcome.job ?? null, userErrors: [outcome.error!] };
    const job = outcome.job;
    if (!this.bus.sqlChannel) await this.bus.publish({ kind: "job", jobId: job.id, status: job.status, stage: job.stage, queueChanged: job.status === "CANCELLED" });
    return { job, userErrors: [] };
  }

  async retryJob(staff: Account, id: string, reason: string): Promise<StaffJobPayload> {
    const why = checkReason(reason);
    if (typeof why !== "string") return { job: null, userErrors: [why] };
    if (!isUuid(id)) return { job: null, userErrors: [notFound("job", id)] };
    const outcome = await inTransaction(this.pool, async (tx) => {
      const before = await lockJob(tx, id);
      if (!before) return { error: notFound("job", id) };
      const after = await retryFailedJob(tx, id, { accountId: staff.id, reason: why });
      if (!after) {
        return { job: before, error: { code: "NOT_RETRYABLE", message: `Only a FAILED job can be retried; this one is ${before.status}.`, field: ["id"] } };
      }
      await recordAudit(tx, { actor: staff, action: "job.retry", targetType: "Job", targetId: id, reason: why, before: jobView(before), after: jobView(after) });
      return { job: after };
    });
    if ("error" in outcome) return { job: outcome.job ?? null, userErrors: [outcome.error!] };
    await this.bus.publish({ kind: "job", jobId: id, status: "QUEUED", stage: "QUEUED", queueChanged: true });
    return { job: outcome.job, userErrors: [] };
  }

  async revokeKey(staff: Account, id: string, reason: string): Promise<StaffKeyPayload> {
    const why = checkReason(reason);
    if (typeof why !== "string") return { apiKey: null, userErrors: [why] };
    if (!isUuid(id)) return { apiKey: null, userErrors: [notFound("API key", id)] };
    const outcome = await inTransaction(this.pool, async (tx) => {
      const before = await lockKey(tx, id);
      if (!before) return { error: notFound("API key", id) };
      const after = await revokeKey(tx, id);
      if (!after) return { apiKey: before, error: { code: "KEY_REVOKED", message: "This key is already revoked.", field: ["id"] } };
      await recordAudit(tx, { actor: staff, action: "apiKey.revoke", targetType: "ApiKey", targetId: id, reason: why, before: keyView(before), after: keyView(after) });
      return { apiKey: after };
    });
    if ("error" in outcome) return { apiKey: outcome.apiKey ?? null, userErrors: [outcome.error!] };
    this.listeners.keyRevoked(outcome.apiKey.keyHash);
    return { apiKey: outcome.apiKey, userErrors: [] };
  }

  setTier(staff: Account, accountId: string, tier: Tier, reason: string): Promise<StaffAccountPayload> {
    return this.changeAccount(staff, accountId, reason, "account.setTier", (before) =>
      before.tier === tier ? { code: "UNCHANGED", message: `The account already is ${tier}.` } : { tier });
  }

  suspend(staff: Account, accountId: string, reason: string): Promise<StaffAccountPayload> {
    return this.changeAccount(staff, accountId, reason, "account.suspend", (before, why) => {
      if (before.suspendedAt) return { code: "ALREADY_SUSPENDED", message: "The account is already suspended." };
      if (before.id === staff.id) return { code: "SELF_SUSPENSION", message: "Staff cannot suspend their own account." };
      return { suspendedAt: new Date(), suspendedReason: why };
    });
  }

  reactivate(staff: Account, accountId: string, reason: string): Promise<StaffAccountPayload> {
    return this.changeAccount(staff, accountId, reason, "account.reactivate", (before) =>
      before.suspendedAt ? { suspendedAt: null, suspendedReason: null } : { code: "NOT_SUSPENDED", message: "The account is not suspended." });
  }

  /** One account change: lock, decide (a change, or a refusal), write, cancel its jobs on suspension, audit. */
  private async changeAccount(
    staff: Account, accountId: string, reason: string, action: string,
    decide: (before: StaffAccountRecord, why: string) => Partial<Pick<StaffAccountRecord, "tier" | "suspendedAt" | "suspendedReason">> | Omit<UserError, "field">,
  ): Promise<StaffAccountPayload> {
    const why = checkReason(reason);
    if (typeof why !== "string") return { account: null, cancelledJobs: 0, userErrors: [why] };
    if (!isUuid(accountId)) return { account: null, cancelledJobs: 0, userErrors: [notFound("account", accountId, "accountId")] };
    const outcome = await inTransaction(this.pool, async (tx) => {
      const before = await lockAccount(tx, accountId);
      if (!before) return { error: notFound("account", accountId, "accountId") };
      const change = decide(before, why);
      if ("code" in change) return { account: before, error: { ...change, field: ["accountId"] } };
      const after = await updateAccount(tx, accountId, { tier: before.tier, suspendedAt: before.suspendedAt, suspendedReason: before.suspendedReason, ...change });
      const by = { by: "staff", accountId: staff.id, role: staff.role, reason: why } as const;
      const cancelled = change.suspendedAt ? await cancelAccountJobs(tx, accountId, by, this.bus.sqlChannel ?? null) : [];
      await recordAudit(tx, {
        actor: staff, action, targetType: "Account", targetId: accountId, reason: why,
        before, after: cancelled.length ? { ...after, cancelledJobs: cancelled.map((j) => j.id) } : after,
      });
      return { account: after, cancelled };
    });
    if ("error" in outcome) return { account: outcome.account ?? null, cancelledJobs: 0, userErrors: [outcome.error!] };
    this.listeners.accountChanged(accountId);
    // On a PostgreSQL bus the cancel statement announced these itself.
    for (const job of this.bus.sqlChannel ? [] : outcome.cancelled) {
      await this.bus.publish({ kind: "job", jobId: job.id, status: job.status, stage: job.stage as JobRecord["stage"], queueChanged: job.status === "CANCELLED" });
    }
    return { account: outcome.account, cancelledJobs: outcome.cancelled.length, userErrors: [] };
  }
}

/** The reason, trimmed; or the userError that refuses it. */
export function checkReason(reason: string | null | undefined): string | UserError {
  const why = (reason ?? "").trim();
  if (why.length === 0) return { code: "REASON_REQUIRED", message: "A reason is required for every staff action.", field: ["reason"] };
  if (why.length > MAX_REASON_LENGTH) return { code: "INVALID_REASON", message: `A reason is at most ${MAX_REASON_LENGTH} characters.`, field: ["reason"] };
  return why;
}

function notFound(what: string, id: string, field = "id"): UserError {
  return { code: "NOT_FOUND", message: `No ${what} with id ${JSON.stringify(id.slice(0, 100))}.`, field: [field] };
}

function finished(job: JobRecord): UserError {
  return { code: "JOB_FINISHED", message: `The job has already finished (${job.status}).`, field: ["id"] };
}

/** What the audit keeps of a job: its state, not its prompt's full text twice or its checkpoint. */
function jobView(job: JobRecord) {
  return {
    status: job.status, stage: job.stage, tier: job.tier, accountId: job.accountId, attempts: job.attempts, maxAttempts: job.maxAttempts,
    stepsCompleted: job.stepsCompleted, errorCode: job.errorCode, cancelRequestedAt: job.cancelRequestedAt, finishedAt: job.finishedAt,
  };
}

/** Never the key's hash. */
function keyView(key: ApiKeyRecord) {
  return { accountId: key.accountId, prefix: key.prefix, name: key.name, revokedAt: key.revokedAt };
}
