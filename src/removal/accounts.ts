// Deleting an account: by its owner (confirming with the account's name) or by an admin (with a reason,
// audited: exactly one audit_log row). In one transaction: the account is marked deleted, every key is
// revoked now, queued jobs are cancelled and running ones marked (the suspension's statement), and every
// job becomes a tombstone; after the commit the key caches hear of it and the outputs of every terminal
// job leave the store (running ones once their workers stopped, by the removal sweeper). The row stays:
// jobs and the audit log refer to it.
import type pg from "pg";
import type { Account } from "../accounts/accounts.js";
import { recordAudit } from "../audit/audit-log.js";
import { inTransaction } from "../audit/transaction.js";
import type { Sql } from "../db/pool.js";
import type { EventBus } from "../events/bus.js";
import { isUuid, type UserError } from "../jobs/validate.js";
import { checkReason, type StaffActionListeners } from "../staff/actions.js";
import { cancelAccountJobs } from "../staff/sql/actions.js";
import type { RemovalService } from "./service.js";
import { tombstoneJobs } from "./sql.js";

export interface AccountDeletion { accountId: string | null; deletedJobs: number; userErrors: UserError[] }

/** Listing and deleting one job's objects takes ~3 store round trips; 100 keeps the mutation to seconds. */
const INLINE_REMOVALS = 100;

type Requester = { kind: "owner"; confirm: string } | { kind: "staff"; staff: Pick<Account, "id" | "role">; reason: string };

export class AccountDeleter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly removal: RemovalService,
    private readonly listeners: StaffActionListeners,
  ) {}

  /** The owner deletes their own account; `confirm` must be its name, exactly. */
  deleteOwn(account: Pick<Account, "id">, confirm: string): Promise<AccountDeletion> {
    return this.delete(account.id, { kind: "owner", confirm });
  }

  /** An admin deletes any account but their own. Audited. */
  deleteByStaff(staff: Pick<Account, "id" | "role">, accountId: string, reason: string): Promise<AccountDeletion> {
    return this.delete(accountId, { kind: "staff", staff, reason });
  }

  private async delete(accountId: string, by: Requester): Promise<AccountDeletion> {
    const refuse = (error: UserError): AccountDeletion => ({ accountId: null, deletedJobs: 0, userErrors: [error] });
    const why = by.kind === "staff" ? checkReason(by.reason) : null;
    if (why !== null && typeof why !== "string") return refuse(why);
    if (!isUuid(accountId)) return refuse(notFound(accountId));
    if (by.kind === "staff" && by.staff.id === accountId) return refuse({ code: "SELF_DELETION", message: "Staff cannot delete their own account here; use deleteAccount.", field: ["accountId"] });
    const channel = this.bus.sqlChannel ?? null;
    const outcome = await inTransaction(this.pool, async (tx) => {
      const before = await lockAccount(tx, accountId);
      if (!before) return { error: notFound(accountId) };
      if (before.deletedAt) return { error: { code: "ALREADY_DELETED", message: "The account is already deleted.", field: [by.kind === "staff" ? "accountId" : "confirm"] } };
      if (by.kind === "owner" && by.confirm !== before.name) {
        return { error: { code: "CONFIRMATION_MISMATCH", message: "Type the account's name exactly to confirm its deletion.", field: ["confirm"] } };
      }
      await tx.query(`/* deleteAccount */ UPDATE accounts SET deleted_at = now() WHERE id = $1`, [accountId]);
      const { rows: keys } = await tx.query<{ keyHash: string }>(
        `/* revokeAccountKeys */ UPDATE api_keys SET revoked_at = now()
         WHERE account_id = $1 AND (revoked_at IS NULL OR revoked_at > now()) RETURNING key_hash AS "keyHash"`, [accountId]);
      // who cancelled, for the jobs' timelines: the owner deleting their account, or the admin doing it
      const cancelledBy = by.kind === "staff"
        ? { by: "staff", accountId: by.staff.id, role: by.staff.role, reason: why as string } as const
        : { by: "owner", accountId } as const;
      const cancelled = await cancelAccountJobs(tx, accountId, cancelledBy, channel);
      const marked = await tombstoneJobs(tx, accountId, null, "account");
      if (by.kind === "staff") {
        await recordAudit(tx, {
          actor: by.staff, action: "account.delete", targetType: "Account", targetId: accountId, reason: why as string,
          before: { name: before.name, deletedAt: null }, after: { deletedAt: new Date(), revokedKeys: keys.length, deletedJobs: marked.length, cancelledJobs: cancelled.map((j) => j.id) },
        });
      }
      return { keys, cancelled, marked };
    });
    if ("error" in outcome && outcome.error) return refuse(outcome.error);
    const { keys, cancelled, marked } = outcome as Required<Omit<typeof outcome, "error">>;
    for (const key of keys!) this.listeners.keyRevoked(key.keyHash);
    this.listeners.accountChanged(accountId);
    for (const job of channel ? [] : cancelled!) {
      await this.bus.publish({ kind: "job", jobId: job.id, status: job.status, stage: job.stage as never, queueChanged: job.status === "CANCELLED" });
    }
    // At most INLINE_REMOVALS jobs' objects within the request; the removal sweeper takes the rest.
    await this.removal.finish(marked!.slice(0, INLINE_REMOVALS), "account");
    return { accountId, deletedJobs: marked!.length, userErrors: [] };
  }
}

async function lockAccount(tx: Sql, id: string): Promise<{ name: string; deletedAt: Date | null } | null> {
  const { rows } = await tx.query<{ name: string; deletedAt: Date | null }>(
    `/* lockAccountForDeletion */ SELECT name, deleted_at AS "deletedAt" FROM accounts WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

function notFound(id: string): UserError {
  return { code: "NOT_FOUND", message: `No account with id ${JSON.stringify(id.slice(0, 100))}.`, field: ["accountId"] };
}
