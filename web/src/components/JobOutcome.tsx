// How a finished job ended, in words; a delivered video is shown by VideoResult beside this.
import { dateTime } from "../format";
import type { Job } from "../types";
import { Notice } from "./Notice";

export function JobOutcome({ job }: { job: Job }) {
  if (job.deletedAt) {
    return <Notice kind="info" title="Deleted"><p>You deleted this job {dateTime(job.deletedAt)}; its video and files were removed.</p></Notice>;
  }
  switch (job.status) {
    case "SUCCEEDED":
      return job.video ? null : <Notice kind="info"><p>The job finished but has no video to show.</p></Notice>;
    case "CANCELLED":
      return <Notice kind="info" title="Cancelled"><p>Stopped after {job.stepsCompleted} of {job.stepBudget} steps, {dateTime(job.finishedAt)}.</p></Notice>;
    case "EXPIRED":
      return <Notice kind="info" title="Expired"><p>No worker started it before its deadline, {dateTime(job.finishedAt)}; it cost nothing.</p></Notice>;
    case "BLOCKED":
      // Worded neutrally: the reason is policy, not a judgement of the person.
      return (
        <Notice kind="info" title="This prompt wasn't accepted">
          <p>Kinema can't generate a video for this prompt under its content policy. Try describing the scene differently.</p>
          {job.error && <p className="muted small">{job.error.message} (<code>{job.error.code}</code>)</p>}
        </Notice>
      );
    case "TAKEN_DOWN":
      return (
        <Notice kind="info" title="Video removed">
          <p>{job.error?.message ?? "This video was removed under our content policy."}</p>
        </Notice>
      );
    case "FAILED":
      return (
        <Notice kind="error" title="The video could not be made">
          <p>{job.error?.message ?? "The job failed."}</p>
          {job.error && <p className="muted small">Error code: <code>{job.error.code}</code></p>}
        </Notice>
      );
    default:
      return null;
  }
}
