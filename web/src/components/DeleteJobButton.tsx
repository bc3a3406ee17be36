// Deletes a job after the person confirms: its video and files are removed for good, every link to them
// stops working, and the job stays in the history as a tombstone.
import { useState } from "react";
import { DELETE_JOB } from "../queries";
import { useSession } from "../session";
import type { UserError } from "../types";

export function DeleteJobButton({ jobId, onDeleted }: { jobId: string; onDeleted: () => void }) {
  const { request } = useSession();
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    if (!window.confirm("Delete this job? Its video and files are removed for good, and every link to them stops working.")) return;
    setDeleting(true);
    setError(null);
    try {
      const { deleteJob } = await request<{ deleteJob: { userErrors: UserError[] } }>(DELETE_JOB, { id: jobId });
      if (deleteJob.userErrors[0]) setError(deleteJob.userErrors[0].message);
      else onDeleted();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setDeleting(false);
    }
  }

  return (
    <>
      <button type="button" className="danger small" onClick={() => void remove()} disabled={deleting} data-testid="delete-job">
        {deleting ? "Deleting…" : "Delete"}
      </button>
      {error && <span role="alert" className="small">{error}</span>}
    </>
  );
}
