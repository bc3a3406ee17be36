// The account's jobs, newest first, a page at a time, filterable by status.
import { useCallback, useEffect, useRef, useState } from "react";
import { dateTime, RESOLUTION_LABEL, STATUS_LABEL } from "../format";
import { JOBS } from "../queries";
import { href } from "../route";
import { useSession } from "../session";
import { ALL_STATUSES, type JobStatus, type JobSummary, type PageInfo } from "../types";
import { Notice } from "./Notice";

const PAGE_SIZE = 10;

interface Payload { jobs: { nodes: JobSummary[]; pageInfo: PageInfo } }

export function HistoryPage() {
  const { request } = useSession();
  const [filter, setFilter] = useState<JobStatus | "">("");
  const [jobs, setJobs] = useState<JobSummary[]>([]);
  const [page, setPage] = useState<PageInfo | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0); // answers for an older filter are dropped

  const load = useCallback(async (after: string | null) => {
    const mine = after ? generation.current : ++generation.current;
    setLoading(true);
    setError(null);
    try {
      const variables = { first: PAGE_SIZE, after, filter: filter ? { status: [filter] } : null };
      const { jobs: result } = await request<Payload>(JOBS, variables);
      if (mine !== generation.current) return;
      setJobs((prev) => (after ? [...prev, ...result.nodes] : result.nodes));
      setPage(result.pageInfo);
    } catch (e) {
      if (mine === generation.current) setError((e as Error).message);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [filter, request]);

  useEffect(() => { void load(null); }, [load]);

  return (
    <section className="history" aria-labelledby="history-title">
      <div className="row spread">
        <h2 id="history-title">History</h2>
        <div className="inline-field">
          <label htmlFor="status-filter">Status</label>
          <select id="status-filter" value={filter} onChange={(e) => setFilter(e.target.value as JobStatus | "")}>
            <option value="">All</option>
            {ALL_STATUSES.map((s) => <option key={s} value={s}>{STATUS_LABEL[s]}</option>)}
          </select>
        </div>
      </div>
      {error && <Notice kind="error" title="Can't load your jobs"><p>{error}</p></Notice>}
      {!loading && !error && jobs.length === 0 && <p className="muted">{filter ? "No jobs with this status." : "No videos yet. Make one on the Create page."}</p>}
      <ul className="job-list" aria-busy={loading}>
        {jobs.map((job) => (
          <li key={job.id}>
            <a href={href.job(job.id)} className={[job.deletedAt ? "job-link tombstone" : "job-link", job.video?.posterUrl ? "with-thumb" : ""].join(" ").trim()} data-testid="history-item">
              {/* the poster, never the clip: a list of videos would load every MP4 */}
              {job.video?.posterUrl && <img className="thumb" src={job.video.posterUrl} alt="" loading="lazy" width={96} height={54} data-testid="history-thumb" />}
              <span className="prompt-text">{job.deletedAt ? "Deleted job" : job.prompt}</span>
              <span className="muted small">{RESOLUTION_LABEL[job.resolution]} · {job.durationSeconds} s · {dateTime(job.createdAt)}</span>
              <span className={`badge status-${job.status.toLowerCase()}`}>{job.deletedAt ? "Deleted" : STATUS_LABEL[job.status]}</span>
            </a>
          </li>
        ))}
      </ul>
      {loading && <p className="muted" role="status">Loading…</p>}
      {page?.hasNextPage && !loading && (
        <button type="button" className="secondary" onClick={() => void load(page.endCursor)}>Load more</button>
      )}
    </section>
  );
}
