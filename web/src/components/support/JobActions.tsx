// The job's actions: cancel (queued or running) and retry (failed), each audited with a reason.
import { useSession } from "../../session";
import { isActive } from "../../types";
import { STAFF_CANCEL, STAFF_RETRY } from "./queries";
import { ReasonAction } from "./ReasonAction";
import type { Payload, StaffJobDetail } from "./types";

export function JobActions({ detail, onChanged }: { detail: StaffJobDetail; onChanged(message: string): void }) {
  const { request } = useSession();
  const { job } = detail;
  return (
    <div className="actions">
      {isActive(job.status) && (
        <ReasonAction title="Cancel this job" submitLabel="Cancel job" done="Job cancelled." danger onDone={onChanged}
          run={async (reason) => (await request<Payload<"staffCancelJob">>(STAFF_CANCEL, { id: job.id, reason })).staffCancelJob.userErrors} />
      )}
      {job.status === "FAILED" && (
        <ReasonAction title="Retry this job" submitLabel="Retry job" done="Job queued again with a fresh attempt budget." onDone={onChanged}
          run={async (reason) => (await request<Payload<"staffRetryJob">>(STAFF_RETRY, { id: job.id, reason })).staffRetryJob.userErrors} />
      )}
      {!isActive(job.status) && job.status !== "FAILED" && <p className="muted small">No job actions: the job has {job.status === "SUCCEEDED" ? "been delivered" : "finished"}.</p>}
    </div>
  );
}
