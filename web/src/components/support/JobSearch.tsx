// Jobs across accounts, newest first, 20 at a time ("Load more" follows the cursor). An account given by
// name or key prefix is looked up first (staffAccounts) and must match exactly one account.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../../api";
import { dateTime, STATUS_LABEL } from "../../format";
import { href } from "../../route";
import { useSession } from "../../session";
import type { PageInfo } from "../../types";
import { Notice } from "../Notice";
import { STAFF_JOBS } from "./queries";
import { EMPTY_SEARCH, SearchFilters, type SearchInput } from "./SearchFilters";
import type { StaffJobRow } from "./types";

const PAGE_SIZE = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Request = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/** The StaffJobFilter for a search form's values; throws an ApiError a person can act on. */
async function toFilter(input: SearchInput, request: Request): Promise<Record<string, unknown>> {
  const filter: Record<string, unknown> = {};
  const account = input.account.trim();
  if (account && UUID.test(account)) filter.accountId = account;
  else if (account) {
    const { staffAccounts } = await request<{ staffAccounts: { id: string; name: string }[] }>(
      `query FindAccount($s: String!) { staffAccounts(search: $s, first: 5) { id name } }`, { s: account });
    if (staffAccounts.length !== 1) {
      throw new ApiError(staffAccounts.length ? `${staffAccounts.length} accounts match "${account}": ${staffAccounts.map((a) => a.name).join(", ")}. Use the account id.` : `No account matches "${account}".`);
    }
    filter.accountId = staffAccounts[0]!.id;
  }
  if (input.status) filter.status = [input.status];
  if (input.errorCode.trim()) filter.errorCode = input.errorCode.trim();
  if (input.tier) filter.tier = input.tier;
  if (input.stage) filter.stage = input.stage;
  if (input.workerId.trim()) filter.workerId = input.workerId.trim();
  if (input.createdAfter) filter.createdAfter = new Date(input.createdAfter).toISOString();
  if (input.createdBefore) filter.createdBefore = new Date(input.createdBefore).toISOString();
  if (input.promptText.trim()) filter.promptText = input.promptText.trim();
  return filter;
}

export function JobSearch() {
  const { request } = useSession();
  const [search, setSearch] = useState<SearchInput>(EMPTY_SEARCH);
  const [jobs, setJobs] = useState<StaffJobRow[]>([]);
  const [page, setPage] = useState<PageInfo | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0); // answers for an older search are dropped
  const filter = useRef<Record<string, unknown>>({});

  const load = useCallback(async (input: SearchInput, after: string | null) => {
    const mine = after ? generation.current : ++generation.current;
    setLoading(true);
    setError(null);
    try {
      if (!after) filter.current = await toFilter(input, request);
      const { staffJobs } = await request<{ staffJobs: { nodes: StaffJobRow[]; pageInfo: PageInfo } }>(STAFF_JOBS, { first: PAGE_SIZE, after, filter: filter.current });
      if (mine !== generation.current) return;
      setJobs((prev) => (after ? [...prev, ...staffJobs.nodes] : staffJobs.nodes));
      setPage(staffJobs.pageInfo);
    } catch (e) {
      if (mine !== generation.current) return;
      setError((e as Error).message);
      if (!after) { setJobs([]); setPage(null); }
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [request]);

  useEffect(() => { void load(search, null); }, [load, search]);

  return (
    <section className="support" aria-labelledby="support-title">
      <h2 id="support-title">Support: jobs across accounts</h2>
      <SearchFilters initial={search} busy={loading} onSearch={setSearch} />
      {error && <Notice kind="error" title="Can't search jobs"><p>{error}</p></Notice>}
      {!loading && !error && jobs.length === 0 && <p className="muted">No jobs match.</p>}
      <ul className="job-list" aria-busy={loading} aria-label="Jobs found">
        {jobs.map(({ job, account, leaseOwner }) => (
          <li key={job.id}>
            <a href={href.supportJob(job.id)} className="job-link" data-testid="staff-job">
              <span className="prompt-text">{job.prompt}</span>
              <span className="muted small">
                {account.name} · {job.tier} · {dateTime(job.createdAt)}{job.error ? ` · ${job.error.code}` : ""}{leaseOwner ? ` · on ${leaseOwner}` : ""}
              </span>
              <span className={`badge status-${job.status.toLowerCase()}`}>{STATUS_LABEL[job.status]}</span>
            </a>
          </li>
        ))}
      </ul>
      {loading && <p className="muted" role="status">Loading…</p>}
      {page?.hasNextPage && !loading && (
        <button type="button" className="secondary" onClick={() => void load(search, page.endCursor)}>Load more</button>
      )}
    </section>
  );
}
