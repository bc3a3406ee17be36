// A job on its way: queue position, stage, a step k/N bar, ETA, the latest preview, and Cancel.
import { useState } from "react";
import { duration, STAGE_LABEL } from "../format";
import { CANCEL } from "../queries";
import { useSession } from "../session";
import type { Progress, UserError } from "../types";
import { Notice } from "./Notice";

export function LiveProgress({ jobId, progress, previewUrl, liveError }: { jobId: string; progress: Progress; previewUrl: string | null; liveError: string | null }) {
  const { request } = useSession();
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const { stage, step, totalSteps, queuePosition, etaSeconds } = progress;
  // Past denoising the steps are all done; the bar stays full while the clip is finished off.
  const shown = stage === "DENOISING" || stage === "QUEUED" || stage === "PREFILTER" ? step : totalSteps;

  async function cancel() {
    setCancelling(true);
    setCancelError(null);
    try {
      const { cancelJob } = await request<{ cancelJob: { userErrors: UserError[] } }>(CANCEL, { id: jobId });
      if (cancelJob.userErrors[0]) setCancelError(cancelJob.userErrors[0].message);
    } catch (e) {
      setCancelError((e as Error).message);
    } finally {
      setCancelling(false);
    }
  }

  return (
    <section className="live" aria-label="Progress">
      <div className="live-main">
        <p className="stage" aria-live="polite">
          <strong>{STAGE_LABEL[stage]}</strong>
          {queuePosition != null && <span data-testid="queue-position"> · {queuePosition === 0 ? "next in line" : `${queuePosition} ${queuePosition === 1 ? "job" : "jobs"} ahead`}</span>}
        </p>
        <label htmlFor={`progress-${jobId}`} className="progress-label">
          <span>Step {shown} of {totalSteps}</span>
          <span className="muted">{etaSeconds != null ? `about ${duration(etaSeconds)} left` : "estimating…"}</span>
        </label>
        <progress id={`progress-${jobId}`} max={totalSteps} value={shown} data-testid="job-progress">{shown}/{totalSteps}</progress>
        {liveError && <p className="muted small" role="status">Live updates interrupted ({liveError}); checking every few seconds.</p>}
        {cancelError && <Notice kind="error"><p>{cancelError}</p></Notice>}
        <button type="button" className="danger" onClick={() => void cancel()} disabled={cancelling}>
          {cancelling ? "Cancelling…" : "Cancel"}
        </button>
      </div>
      <figure className="preview">
        {previewUrl
          ? <img src={previewUrl} alt={`Preview of the video so far (step ${step})`} data-testid="preview" />
          : <div className="preview-empty" aria-hidden="true">Preview appears after a few steps</div>}
        <figcaption className="muted small">Latest preview</figcaption>
      </figure>
    </section>
  );
}
