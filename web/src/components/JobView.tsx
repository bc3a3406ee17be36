// One job: what was asked, then live progress while it runs, or how it ended (video, credentials, error),
// and on its own page the timeline of its life.
import { dateTime, RESOLUTION_LABEL, STATUS_LABEL } from "../format";
import { isActive } from "../types";
import { useJob } from "../useJob";
import { Credentials } from "./Credentials";
import { DeleteJobButton } from "./DeleteJobButton";
import { JobOutcome } from "./JobOutcome";
import { LiveProgress } from "./LiveProgress";
import { Notice } from "./Notice";
import { OwnerTimeline } from "./OwnerTimeline";
import { VideoResult } from "./VideoResult";

/** `timeline`: also show the job's timeline (its own page does; the create page's fresh job does not). */
export function JobView({ id, onDismiss, timeline = false }: { id: string; onDismiss?: () => void; timeline?: boolean }) {
  const state = useJob(id);
  const { job, progress, loading, notFound, error } = state;
  const dismiss = onDismiss && <button type="button" className="secondary small" onClick={onDismiss}>Dismiss</button>;

  if (notFound) {
    return <Notice kind="info" title="Job not found"><p>No job with this id belongs to your account.</p>{dismiss}</Notice>;
  }
  if (!job) {
    if (error) {
      return (
        <Notice kind="error" title="Can't load the job">
          <p>{error}</p>
          <div className="row"><button type="button" onClick={() => void state.reload()}>Try again</button>{dismiss}</div>
        </Notice>
      );
    }
    return <div className="card" aria-busy={loading}><p className="muted">Loading the job…</p></div>;
  }
  const status = progress?.status ?? job.status;
  return (
    <article className="card job" aria-labelledby={`job-${job.id}`} data-status={status}>
      <header className="job-head">
        <div>
          <h3 id={`job-${job.id}`} className="prompt-text">“{job.prompt}”</h3>
          <p className="muted small">
            {RESOLUTION_LABEL[job.resolution]} · {job.durationSeconds} s · seed {job.seed} · {dateTime(job.createdAt)}
          </p>
        </div>
        <div className="job-actions">
          <span className={`badge status-${status.toLowerCase()}`} data-testid="job-status">{job.deletedAt ? "Deleted" : STATUS_LABEL[status]}</span>
          {!job.deletedAt && <DeleteJobButton jobId={job.id} onDeleted={() => void state.reload()} />}
          {dismiss}
        </div>
      </header>
      {error && <Notice kind="error"><p>{error}</p></Notice>}
      {isActive(status) && progress && <LiveProgress jobId={job.id} progress={progress} previewUrl={state.previewUrl} liveError={state.liveError} />}
      {(!isActive(status) || job.deletedAt) && <JobOutcome job={job} />}
      {job.status === "SUCCEEDED" && job.video && !job.deletedAt && (
        <>
          <VideoResult job={job} video={job.video} onExpired={state.reload} />
          <Credentials provenance={job.video.provenance} />
        </>
      )}
      {timeline && <OwnerTimeline id={job.id} status={status} />}
    </article>
  );
}
