// Each claim of the job by a worker: who, when, how it ended and how far it got.
import { dateTime, duration } from "../../format";
import type { StaffJobAttempt } from "./types";

export function AttemptList({ attempts }: { attempts: StaffJobAttempt[] }) {
  if (attempts.length === 0) return <p className="muted small" data-testid="attempts-empty">No attempts recorded yet.</p>;
  return (
    <table className="attempts" data-testid="attempts">
      <thead><tr><th scope="col">#</th><th scope="col">Worker</th><th scope="col">Started</th><th scope="col">Took</th><th scope="col">Outcome</th><th scope="col">Steps</th></tr></thead>
      <tbody>
        {attempts.map(({ attempt, workerId }) => (
          <tr key={attempt.number}>
            <td>{attempt.number}</td>
            <td>{workerId ? <code>{workerId}</code> : "—"}</td>
            <td>{dateTime(attempt.startedAt)}</td>
            <td>{attempt.endedAt ? duration((Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt)) / 1000) : "running"}</td>
            <td>{attempt.outcome}{attempt.errorCode && <> <code>{attempt.errorCode}</code></>}</td>
            <td>{attempt.stepsCompleted}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
