// Removing a job's outputs: the owner's delete, a takedown (staff or the safety re-scan), and the
// removal sweeper's two duties (finishing decided removals, and the tiers' retention). Each removal is
// decided in one transaction (the job's video cleared, removal_reason set; from then on the API signs
// no URL and answers 410 for the old ones) and finished after it commits, once the job is terminal: the
// objects leave the store, outputs_removed_at is set, the metrics count them. A job still running is
// cancelled first (the owner's cancel path); its worker's fenced completion cannot deliver it any more
// (completeJob ends a job with a removal_reason CANCELLED, without a video), the runner removes what it
// wrote, and the sweeper finishes the removal. Account deletion is in accounts.ts.
import type pg from "pg";
import type { Account } from "../accounts/accounts.js";
import { recordAudit } from "../audit/audit-log.js";
import { inTransaction } from "../audit/transaction.js";
import type { Sql } from "../db/pool.js";
import type { EventBus } from "../events/bus.js";
import type { JobRecord } from "../jobs/service.js";
import { isTerminal } from "../jobs/states.js";
import { isJobId, type UserError } from "../jobs/validate.js";
import type { Logger } from "../log.js";
import { cancelJob } from "../queue/sql/cancelJob.js";
import { checkReason } from "../staff/actions.js";
import { lockJob } from "../staff/sql/actions.js";
import { JOB_COLUMNS } from "../staff/sql/jobColumns.js";
import type { ObjectStore } from "../storage/store.js";
import { countRemoval, takedowns } from "./metrics.js";
import { removeJobOutputs, type RemovedObjects } from "./objects.js";
import {
  expireRetainedJobs, markOutputsRemoved, pendingRemovals, takeDownJobs, tombstoneJobs, type MarkedJob, type RemovalReason,
} from "./sql.js";

export interface RemovalPayload { job: JobRecord | null; userErrors: UserError[] }

/** Who takes a clip down: a staff member (the mutation), or the rolling re-scan with what it matched. */
export type TakeDownActor = { kind: "staff"; accountId: string } | { kind: "rescan"; detail: string };
export interface TakeDownInput { jobId: string; reason: string; actor: TakeDownActor }
export interface TakeDownResult extends RemovalPayload {
  /** every job taken down (the job and the cache hits that delivered the same clip); empty when none changed */
  takenDown: string[];
}

export interface SweepResult { finished: number; expired: number; removed: RemovedObjects }

export class RemovalService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly store: ObjectStore,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  /** The owner deletes one of their jobs; idempotent (a tombstone is returned as it is). */
  async deleteJob(account: Pick<Account, "id">, id: string): Promise<RemovalPayload> {
    if (!isJobId(id)) return { job: null, userErrors: [notFound(id)] };
    const channel = this.bus.sqlChannel ?? null;
    const { cancelled, marked } = await inTransaction(this.pool, async (tx) => {
      // Announced inside the statement (at commit) on a PostgreSQL bus, as the owner's cancel always is.
      const cancelled = await cancelJob(tx, id, account.id, channel);
      return { cancelled, marked: await tombstoneJobs(tx, account.id, id, "deleted") };
    });
    if (cancelled && channel === null) {
      await this.bus.publish({ kind: "job", jobId: id, status: cancelled.status, stage: cancelled.stage, queueChanged: cancelled.status === "CANCELLED" });
    }
    await this.finish(marked, "deleted");
    const job = await this.read(id);
    if (!job || job.accountId !== account.id) return { job: null, userErrors: [notFound(id)] };
    // Deleting again after a crash between the decision and the removal finishes the removal.
    if (marked.length > 0 || job.outputsRemovedAt !== null || job.removalReason === null) return { job, userErrors: [] };
    await this.finish([{ id, accountId: account.id, status: job.status, formerVideo: null }], job.removalReason as RemovalReason);
    return { job: (await this.read(id)) ?? job, userErrors: [] };
  }

  /**
   * Takes a delivered clip down: the job (and any cache hit delivering the same clip) becomes TAKEN_DOWN,
   * its objects leave the store, every URL answers 410; one audit row (the re-scan's has no actor account).
   * A job already TAKEN_DOWN is returned unchanged, without another audit row. The rolling re-scan calls this.
   */
  async takeDown(input: TakeDownInput): Promise<TakeDownResult> {
    const why = checkReason(input.reason);
    if (typeof why !== "string") return { job: null, takenDown: [], userErrors: [why] };
    if (!isJobId(input.jobId)) return { job: null, takenDown: [], userErrors: [notFound(input.jobId)] };
    const outcome = await inTransaction(this.pool, async (tx) => {
      const before = await lockJob(tx, input.jobId);
      if (!before) return { error: notFound(input.jobId) };
      if (before.status === "TAKEN_DOWN") return { job: before, marked: [] as MarkedJob[] };
      const marked = await takeDownJobs(tx, input.jobId, why);
      if (marked.length === 0) {
        return { job: before, error: { code: "NOT_DELIVERED", message: `Only a delivered (SUCCEEDED) job can be taken down; this one is ${before.status}.`, field: ["id"] } };
      }
      const actor = input.actor.kind === "staff" ? await staffActor(tx, input.actor.accountId) : null;
      const after = (await lockJob(tx, input.jobId))!;
      await recordAudit(tx, {
        actor, action: "job.takeDown", targetType: "Job", targetId: input.jobId, reason: why,
        before: { status: before.status, accountId: before.accountId, finishedAt: before.finishedAt, video: before.video },
        after: { status: after.status, takenDown: marked.map((m) => m.id), by: input.actor },
      });
      return { job: after, marked };
    });
    if ("error" in outcome && outcome.error) return { job: outcome.job ?? null, takenDown: [], userErrors: [outcome.error] };
    const marked = outcome.marked ?? [];
    if (marked.length > 0) takedowns.inc({ actor: input.actor.kind });
    for (const job of marked) await this.bus.publish({ kind: "job", jobId: job.id, status: "TAKEN_DOWN", stage: outcome.job!.stage });
    await this.finish(marked, "takedown");
    return { job: (await this.read(input.jobId)) ?? outcome.job!, takenDown: marked.map((m) => m.id), userErrors: [] };
  }

  /**
   * One round of the removal sweeper (elected, workers/housekeeping.ts): finishes decided removals whose
   * jobs have become terminal (a deleted running job, a crash after a decision), then expires delivered
   * clips past their tier's retention (seconds; 0 keeps forever), `batch` jobs of each at most.
   */
  async sweep(retentionSeconds: { FREE: number; PLUS: number }, batch = 500): Promise<SweepResult> {
    const result: SweepResult = { finished: 0, expired: 0, removed: { objects: 0, bytes: 0 } };
    for (const job of await pendingRemovals(this.pool, batch)) {
      const removed = await this.finishOne(job, job.reason);
      if (removed) { result.finished += 1; add(result.removed, removed); }
    }
    const expired = await expireRetainedJobs(this.pool, retentionSeconds, batch);
    result.expired = expired.length;
    add(result.removed, await this.finish(expired, "retention"));
    return result;
  }

  /** After the decision committed: removes the objects of every terminal job among `jobs`. */
  async finish(jobs: readonly MarkedJob[], reason: RemovalReason): Promise<RemovedObjects> {
    const total = { objects: 0, bytes: 0 };
    for (const job of jobs) {
      if (!isTerminal(job.status)) continue; // a running job: after its worker stopped, by the sweeper
      const removed = await this.finishOne(job, reason);
      if (removed) add(total, removed);
    }
    return total;
  }

  private async finishOne(job: MarkedJob, reason: RemovalReason): Promise<RemovedObjects | null> {
    try {
      const removed = await removeJobOutputs(this.pool, this.store, job);
      countRemoval(reason, removed);
      await markOutputsRemoved(this.pool, job.id);
      return removed;
    } catch (error) {
      // The decision stands (no URL is signed, old ones answer 410); the sweeper tries the objects again.
      this.log.warn({ err: error, jobId: job.id, reason }, "could not remove a job's outputs; the removal sweeper will retry");
      return null;
    }
  }

  private async read(id: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(`/* removalReadJob */ SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = $1`, [id]);
    return rows[0] ?? null;
  }
}

/** The staff member's account and role, for the audit row. */
async function staffActor(tx: Sql, accountId: string): Promise<Pick<Account, "id" | "role">> {
  const { rows } = await tx.query<Pick<Account, "id" | "role">>(`/* takedownActor */ SELECT id, role FROM accounts WHERE id = $1`, [accountId]);
  return rows[0] ?? { id: accountId, role: "SUPPORT" };
}

function add(total: RemovedObjects, removed: RemovedObjects): void {
  total.objects += removed.objects;
  total.bytes += removed.bytes;
}

function notFound(id: string): UserError {
  return { code: "NOT_FOUND", message: `No job with id ${JSON.stringify(id.slice(0, 100))}.`, field: ["id"] };
}
