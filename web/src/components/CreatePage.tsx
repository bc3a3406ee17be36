// Create: the tier's limits, the prompt form and the job being watched (kept across reloads).
import { useState } from "react";
import { RESOLUTION_LABEL } from "../format";
import { useSession } from "../session";
import { storedJobId, storeJobId } from "../storage";
import { JobView } from "./JobView";
import { PromptForm } from "./PromptForm";

export function CreatePage() {
  const { me } = useSession();
  const [jobId, setJobId] = useState<string | null>(storedJobId);
  const watch = (id: string | null) => {
    storeJobId(id);
    setJobId(id);
  };
  const { limits } = me;
  return (
    <div className="create">
      <div className="stack">
        <section className="card plan" aria-labelledby="plan-title">
          <h2 id="plan-title">Your plan: <span data-testid="plan-tier">{me.tier}</span></h2>
          <dl className="facts">
            <div><dt>Resolution</dt><dd>up to {RESOLUTION_LABEL[limits.maxResolution]}</dd></div>
            <div><dt>Duration</dt><dd>{limits.minDurationSeconds}–{limits.maxDurationSeconds} s</dd></div>
            <div><dt>Quality</dt><dd>{limits.stepBudget} denoising steps</dd></div>
          </dl>
        </section>
        <PromptForm onCreated={watch} />
      </div>
      <section className="current" aria-labelledby="current-title">
        <h2 id="current-title" className="visually-hidden">Current video</h2>
        {jobId
          ? <JobView key={jobId} id={jobId} onDismiss={() => watch(null)} />
          : <div className="card empty"><p className="muted">Your video will appear here: live progress while it is made, then the player and its content credentials.</p></div>}
      </section>
    </div>
  );
}

