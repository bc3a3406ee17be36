// The staff's reads across accounts (internal tools, the support console): a job by id, jobs by filter
// (newest first, cursor-paginated), accounts by id, name or key prefix, and an account's usage over a
// window. Per-row extras (the owning account, keys, queue positions) are batched by the API's DataLoaders
// (src/api/loaders.ts), so a page costs a fixed number of statements whatever its size.
import type { Sql } from "../db/pool.js";
import type { JobRecord } from "../jobs/service.js";
import { isUuid } from "../jobs/validate.js";
import { accountUsage, searchAccounts, type AccountUsageRow, type StaffAccountRecord } from "./sql/accounts.js";
import { jobById, searchJobs, type StaffJobFilter } from "./sql/searchJobs.js";

export type { StaffJobFilter, StaffAccountRecord, AccountUsageRow };

export const MAX_STAFF_PAGE = 100;
/** The longest usage window: a quarter, so one call stays one index range of bounded size. */
export const MAX_USAGE_WINDOW_SECONDS = 92 * 86_400;
export const MAX_PROMPT_QUERY_LENGTH = 200;

export class StaffInputError extends Error {
  constructor(readonly field: string, message: string) { super(message); }
}

export interface StaffJobPage { jobs: JobRecord[]; hasNextPage: boolean }

export class StaffSearch {
  constructor(private readonly sql: Sql) {}

  job(id: string): Promise<JobRecord | null> {
    return isUuid(id) ? jobById(this.sql, id) : Promise.resolve(null);
  }

  async jobs(filter: StaffJobFilter, first: number, after: string | null): Promise<StaffJobPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_STAFF_PAGE) throw new StaffInputError("first", `first must be 1 to ${MAX_STAFF_PAGE}.`);
    if (filter.accountId != null && !isUuid(filter.accountId)) throw new StaffInputError("filter.accountId", "accountId is not an account id.");
    if ((filter.promptText?.length ?? 0) > MAX_PROMPT_QUERY_LENGTH) {
      throw new StaffInputError("filter.promptText", `promptText is at most ${MAX_PROMPT_QUERY_LENGTH} characters.`);
    }
    const cursor = after === null ? null : decodeStaffCursor(after);
    const rows = await searchJobs(this.sql, filter, cursor, first + 1);
    return { jobs: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  accounts(text: string, first: number): Promise<StaffAccountRecord[]> {
    const query = text.trim();
    if (query.length < 2 || query.length > 100) throw new StaffInputError("search", "search must be 2 to 100 characters.");
    if (!Number.isInteger(first) || first < 1 || first > MAX_STAFF_PAGE) throw new StaffInputError("first", `first must be 1 to ${MAX_STAFF_PAGE}.`);
    return searchAccounts(this.sql, query, first);
  }

  usage(accountId: string, from: Date, to: Date): Promise<AccountUsageRow[]> {
    if (!isUuid(accountId)) throw new StaffInputError("accountId", "accountId is not an account id.");
    const seconds = (to.getTime() - from.getTime()) / 1000;
    if (!(seconds > 0) || seconds > MAX_USAGE_WINDOW_SECONDS) {
      throw new StaffInputError("to", `The window must be positive and at most ${MAX_USAGE_WINDOW_SECONDS / 86_400} days.`);
    }
    return accountUsage(this.sql, accountId, from, to);
  }
}

export function encodeStaffCursor(job: Pick<JobRecord, "createdAt" | "id">): string {
  return Buffer.from(`${job.createdAt.toISOString()}|${job.id}`).toString("base64url");
}

function decodeStaffCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const createdAt = new Date(iso ?? "");
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) throw new StaffInputError("after", "The `after` cursor is not valid.");
  return { createdAt, id };
}
