// A job's life as a vertical timeline: events in order, grouped by attempt (with the worker that held
// it), each with its time since submission, stage, duration and step; decisions (pre- and post-filter,
// retries, cancels) show the line that answers "why?" or "who?" and carry their full record, folded. An
// empty timeline says so plainly.
import { duration, EVENT_LABEL } from "../../format";
import { decisionSummary } from "./decisionSummary";
import type { StaffJobEvent } from "./types";

/** Events whose record matters to a support answer ("why was it blocked?", "who cancelled?"). */
const DECISIONS = new Set(["PREFILTER_DECISION", "POSTFILTER_DECISION", "RETRY_SCHEDULED", "CANCEL_REQUESTED", "CANCELLED", "LEASE_LOST", "NAN_DETECTED"]);
const TROUBLE = new Set(["LEASE_LOST", "NAN_DETECTED", "RETRY_SCHEDULED"]);

interface Group { attempt: number | null; workerId: string | null; events: StaffJobEvent[] }

function groups(timeline: StaffJobEvent[]): Group[] {
  const out: Group[] = [];
  for (const e of timeline) {
    const last = out.at(-1);
    if (last && last.attempt === e.event.attempt) {
      last.workerId ??= e.workerId;
      last.events.push(e);
    } else out.push({ attempt: e.event.attempt, workerId: e.workerId, events: [e] });
  }
  return out;
}

function offset(at: string, start: number): string {
  const seconds = (Date.parse(at) - start) / 1000;
  return Number.isFinite(seconds) ? `+${seconds < 10 ? seconds.toFixed(1) : duration(seconds)}` : "";
}

function pretty(detail: string): string | null {
  try {
    const value = JSON.parse(detail) as unknown;
    if (value == null || (typeof value === "object" && Object.keys(value as object).length === 0)) return null;
    return JSON.stringify(value, null, 2);
  } catch {
    return detail || null;
  }
}

export function JobTimeline({ timeline }: { timeline: StaffJobEvent[] }) {
  if (timeline.length === 0) {
    return <p className="muted timeline-empty" data-testid="timeline-empty">No events yet: this job's timeline has nothing recorded.</p>;
  }
  const start = Date.parse(timeline[0]!.event.at);
  return (
    <div className="timeline" data-testid="timeline">
      {groups(timeline).map((group, i) => (
        <section key={i} className="timeline-group" aria-label={group.attempt ? `Attempt ${group.attempt}` : "Before the first claim"}>
          <h4 data-testid="timeline-group-title">{group.attempt ? `Attempt ${group.attempt}` : "Before the first claim"}{group.workerId && <span className="muted small"> · worker <code>{group.workerId}</code></span>}</h4>
          <ol>
            {group.events.map(({ event, workerId, fencingToken, detail }, j) => {
              const record = DECISIONS.has(event.kind) ? pretty(detail) : null;
              const summary = decisionSummary(event.kind, detail);
              return (
                <li key={j} className={`timeline-event${TROUBLE.has(event.kind) ? " trouble" : ""}`} data-testid="timeline-event" data-kind={event.kind}>
                  <span className="timeline-time" title={new Date(event.at).toLocaleString()}>{offset(event.at, start)}</span>
                  <div>
                    <strong>{EVENT_LABEL[event.kind] ?? event.kind}</strong>
                    {event.stage && <span className="chip" data-testid="event-stage">{event.stage}</span>}
                    {event.durationSeconds != null && <span className="chip" data-testid="event-duration">took {event.durationSeconds.toFixed(1)} s</span>}
                    {event.step != null && <span className="chip" data-testid="event-step">step {event.step}</span>}
                    <p className="small" data-testid="event-message">{event.message}</p>
                    {summary && <p className="small decision" data-testid="event-decision">{summary}</p>}
                    {workerId && workerId !== group.workerId && <p className="muted small" data-testid="event-worker">worker <code>{workerId}</code></p>}
                    {record && (
                      <details><summary className="small">Record{fencingToken ? ` (fencing token ${fencingToken})` : ""}</summary><pre className="record">{record}</pre></details>
                    )}
                  </div>
                </li>
              );
            })}
          </ol>
        </section>
      ))}
    </div>
  );
}
