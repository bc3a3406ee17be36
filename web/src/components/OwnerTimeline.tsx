// The owner's account of a job's life on its page: how long it has been in the system (first enqueue to
// delivery), each attempt, and every event in order. It shows only what Job.timeline gives an owner: no
// worker ids, fencing tokens or rule details (the API never sends them on this query). Read again when
// the job's status changes, so a finished job shows how it finished.
import { useEffect, useState } from "react";
import { AuthError } from "../api";
import { duration, EVENT_LABEL } from "../format";
import { JOB_TIMELINE } from "../queries";
import { useSession } from "../session";
import type { JobStatus, JobTimeline } from "../types";

function offset(at: string, start: number): string {
  const seconds = (Date.parse(at) - start) / 1000;
  return Number.isFinite(seconds) ? `+${seconds < 10 ? seconds.toFixed(1) : duration(seconds)}` : "";
}

export function OwnerTimeline({ id, status }: { id: string; status: JobStatus }) {
  const { request } = useSession();
  const [data, setData] = useState<JobTimeline | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    request<{ job: JobTimeline | null }>(JOB_TIMELINE, { id })
      .then((res) => { if (alive) { setData(res.job); setError(null); } })
      .catch((e: unknown) => { if (alive && !(e instanceof AuthError)) setError((e as Error).message); });
    return () => { alive = false; };
  }, [id, status, request]);

  if (error) return <p className="muted small" role="alert">The timeline could not be loaded: {error}</p>;
  if (!data) return null;
  const start = data.timeline.length ? Date.parse(data.timeline[0]!.at) : NaN;
  return (
    <section className="card owner-timeline" aria-labelledby="owner-timeline-title" data-testid="owner-timeline">
      <h3 id="owner-timeline-title">Timeline</h3>
      <p className="small">Time in system: <strong data-testid="time-in-system">{duration(data.timeInSystemSeconds)}</strong>
        <span className="muted"> (from joining the queue to delivery)</span></p>
      {data.attemptHistory.length > 0 && (
        <table className="attempts" data-testid="owner-attempts">
          <thead><tr><th scope="col">Attempt</th><th scope="col">Took</th><th scope="col">Outcome</th><th scope="col">Steps</th></tr></thead>
          <tbody>
            {data.attemptHistory.map((a) => (
              <tr key={a.number} data-testid="owner-attempt">
                <td>{a.number}</td>
                <td>{a.endedAt ? duration((Date.parse(a.endedAt) - Date.parse(a.startedAt)) / 1000) : "running"}</td>
                <td>{a.outcome}{a.errorCode && <> <code>{a.errorCode}</code></>}</td>
                <td>{a.stepsCompleted}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.timeline.length === 0 ? <p className="muted small">Nothing recorded yet.</p> : (
        <ol className="timeline owner-events">
          {data.timeline.map((e, i) => (
            <li key={i} className="timeline-event" data-testid="owner-event" data-kind={e.kind} data-attempt={e.attempt ?? ""}>
              <span className="timeline-time" title={new Date(e.at).toLocaleString()}>{offset(e.at, start)}</span>
              <div>
                <strong>{EVENT_LABEL[e.kind] ?? e.kind}</strong>
                {e.stage && <span className="chip" data-testid="event-stage">{e.stage}</span>}
                {e.attempt != null && <span className="chip" data-testid="event-attempt">attempt {e.attempt}</span>}
                {e.durationSeconds != null && <span className="chip" data-testid="event-duration">took {e.durationSeconds.toFixed(1)} s</span>}
                {e.step != null && <span className="chip" data-testid="event-step">step {e.step}</span>}
                <p className="small" data-testid="event-message">{e.message}</p>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
