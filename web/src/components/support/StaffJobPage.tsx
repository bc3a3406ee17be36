// One job as staff see it: what was asked, its owner, its timeline and attempts, and the actions.
import { useCallback, useEffect, useState } from "react";
import { dateTime, duration, STATUS_LABEL } from "../../format";
import { href } from "../../route";
import { useSession } from "../../session";
import { Notice } from "../Notice";
import { AccountActions } from "./AccountActions";
import { AttemptList } from "./AttemptList";
import { JobActions } from "./JobActions";
import { JobTimeline } from "./JobTimeline";
import { STAFF_JOB } from "./queries";
import type { StaffJobDetail } from "./types";

export function StaffJobPage({ id }: { id: string }) {
  const { request } = useSession();
  const [detail, setDetail] = useState<StaffJobDetail | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setDetail((await request<{ staffJob: StaffJobDetail | null }>(STAFF_JOB, { id })).staffJob);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [id, request]);
  useEffect(() => { void load(); }, [load]);

  if (error) return <Notice kind="error" title="Can't load the job"><p>{error}</p></Notice>;
  if (detail === undefined) return <p className="muted" role="status">Loading…</p>;
  if (detail === null) return <Notice kind="error" title="Not found"><p>No job has the id <code>{id}</code>.</p></Notice>;
  const { job, account } = detail;
  const changed = (message: string) => { setFlash(message); void load(); };
  return (
    <article className="staff-job" aria-labelledby="staff-job-title">
      <p><a href={href.support}>← Back to the search</a></p>
      <div className="job-head">
        <h2 id="staff-job-title" className="prompt-text">{job.prompt}</h2>
        <span className={`badge status-${job.status.toLowerCase()}`} data-testid="staff-job-status">{STATUS_LABEL[job.status]}</span>
      </div>
      {flash && <Notice kind="success"><p>{flash}</p></Notice>}
      <dl className="facts card">
        <div><dt>Job</dt><dd><code>{job.id}</code></dd></div>
        <div><dt>Account</dt><dd data-testid="staff-job-account">{account.name} <code>{account.id}</code>{account.suspendedAt && <span className="badge status-failed">suspended</span>}</dd></div>
        <div><dt>Tier</dt><dd>{job.tier} (account: {account.tier})</dd></div>
        <div><dt>Created</dt><dd>{dateTime(job.createdAt)}</dd></div>
        <div><dt>Time in system</dt><dd>{duration(job.timeInSystemSeconds)}</dd></div>
        <div><dt>Attempts</dt><dd>{job.attempts} of {detail.maxAttempts}</dd></div>
        <div><dt>Steps</dt><dd>{job.stepsCompleted} / {job.stepBudget}</dd></div>
        <div><dt>Worker now</dt><dd>{detail.leaseOwner ? <code>{detail.leaseOwner}</code> : "none"}</dd></div>
        {job.error && <div><dt>Error</dt><dd><code>{job.error.code}</code> {detail.errorMessage ?? job.error.message}</dd></div>}
      </dl>
      <div className="staff-columns">
        <section aria-labelledby="timeline-title" className="card">
          <h3 id="timeline-title">Timeline</h3>
          <JobTimeline timeline={detail.timeline} />
          <h3>Attempts</h3>
          <AttemptList attempts={detail.attemptHistory} />
        </section>
        <section aria-labelledby="actions-title">
          <h3 id="actions-title">Actions</h3>
          <JobActions detail={detail} onChanged={changed} />
          <AccountActions key={account.id} account={account} onChanged={changed} />
        </section>
      </div>
    </article>
  );
}
