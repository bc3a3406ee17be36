import type { Sql } from "../../db/pool.js";
import type { JobRecord } from "../../jobs/service.js";
import { JOB_COLUMNS } from "./jobColumns.js";

export interface StaffJobFilter {
  accountId?: string | null;
  status?: string[] | null;
  errorCode?: string | null;
  tier?: string | null;
  stage?: string | null;
  /** the worker holding the lease now, or one recorded in metadata.failures */
  workerId?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  /** words that must all appear in the prompt (full text, 'simple' configuration) */
  promptText?: string | null;
}

/*
 * staffSearchJobs — one page of jobs across accounts, newest first, after a (created_at, id) cursor.
 * Every filter is a parameter that is either null (off) or compared; the planner picks the index from what
 * is set: jobs_account_id_created_at_id_idx for one account, else jobs_created_at_id_idx walked backwards
 * until the page is full. With prompt text, the statement starts from the prompts' documents (job_prompts,
 * 0025: the GIN index job_prompts_fts_idx, 'simple' configuration) and joins the jobs they match. One
 * statement, whatever the page size.
 */
const FILTERS = `($1::uuid IS NULL OR j.account_id = $1)
  AND ($2::text[] IS NULL OR j.status::text = ANY($2))
  AND ($3::text IS NULL OR j.error_code = $3)
  AND ($4::text IS NULL OR j.tier::text = $4)
  AND ($5::text IS NULL OR j.stage::text = $5)
  AND ($6::text IS NULL OR j.lease_owner = $6 OR j.metadata->'failures' @> jsonb_build_array(jsonb_build_object('worker', $6::text)))
  AND ($7::timestamptz IS NULL OR j.created_at >= $7)
  AND ($8::timestamptz IS NULL OR j.created_at < $8)
  AND ($10::timestamptz IS NULL OR (j.created_at, j.id) < ($10, $11::uuid))
ORDER BY j.created_at DESC, j.id DESC
LIMIT $12`;
const SEARCH = `/* staffSearchJobs */
SELECT ${JOB_COLUMNS} FROM jobs j
WHERE $9::text IS NULL AND ${FILTERS}`;
const SEARCH_TEXT = `/* staffSearchJobs */
SELECT ${JOB_COLUMNS} FROM job_prompts p JOIN jobs j ON j.id = p.job_id
WHERE p.document @@ plainto_tsquery('simple', $9::text) AND ${FILTERS}`;

export async function searchJobs(sql: Sql, filter: StaffJobFilter, cursor: { createdAt: Date; id: string } | null, limit: number): Promise<JobRecord[]> {
  const text = filter.promptText?.trim() ? filter.promptText.trim() : null;
  const { rows } = await sql.query<JobRecord>(text === null ? SEARCH : SEARCH_TEXT, [
    filter.accountId ?? null, filter.status?.length ? filter.status : null, filter.errorCode ?? null, filter.tier ?? null,
    filter.stage ?? null, filter.workerId ?? null, filter.createdAfter ?? null, filter.createdBefore ?? null,
    text, cursor?.createdAt ?? null, cursor?.id ?? null, limit,
  ]);
  return rows;
}

/** staffJobById — any account's job, by primary key. */
export async function jobById(sql: Sql, id: string): Promise<JobRecord | null> {
  const { rows } = await sql.query<JobRecord>(`/* staffJobById */ SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = $1`, [id]);
  return rows[0] ?? null;
}
