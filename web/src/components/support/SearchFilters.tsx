// The job search's filters: every StaffJobFilter field. Applied on submit (not on each keystroke), so a
// half-typed account id or prompt never sends a query.
import { useState, type FormEvent } from "react";
import { STAGE_LABEL, STATUS_LABEL } from "../../format";
import { ALL_STATUSES, type JobStage, type JobStatus, type Tier } from "../../types";

export interface SearchInput {
  /** an account id, or a name or key prefix to look the account up by */
  account: string;
  status: JobStatus | "";
  errorCode: string;
  tier: Tier | "";
  stage: JobStage | "";
  workerId: string;
  /** datetime-local values (the browser's time zone) */
  createdAfter: string;
  createdBefore: string;
  promptText: string;
}

export const EMPTY_SEARCH: SearchInput = {
  account: "", status: "", errorCode: "", tier: "", stage: "", workerId: "", createdAfter: "", createdBefore: "", promptText: "",
};

const STAGES = Object.keys(STAGE_LABEL) as JobStage[];

export function SearchFilters({ initial, busy, onSearch }: { initial: SearchInput; busy: boolean; onSearch(input: SearchInput): void }) {
  const [input, setInput] = useState(initial);
  const set = <K extends keyof SearchInput>(key: K) => (value: SearchInput[K]) => setInput((prev) => ({ ...prev, [key]: value }));
  const submit = (event: FormEvent) => { event.preventDefault(); onSearch(input); };
  const text = (key: "account" | "errorCode" | "workerId" | "promptText", label: string, hint?: string) => (
    <div>
      <label htmlFor={`f-${key}`}>{label}</label>
      <input id={`f-${key}`} type="text" autoComplete="off" value={input[key]} onChange={(e) => set(key)(e.target.value)}
        aria-describedby={hint ? `f-${key}-hint` : undefined} />
      {hint && <p className="hint" id={`f-${key}-hint`}>{hint}</p>}
    </div>
  );
  return (
    <form className="card search-form" onSubmit={submit} aria-label="Search jobs">
      <div className="fields">
        {text("account", "Account", "Id, name or key prefix (kin_…)")}
        {text("promptText", "Prompt words", "All of them, whole words")}
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={input.status} onChange={(e) => set("status")(e.target.value as JobStatus | "")}>
            <option value="">Any</option>
            {ALL_STATUSES.map((s) => <option key={s} value={s}>{STATUS_LABEL[s]}</option>)}
          </select>
        </div>
        {text("errorCode", "Error code", "e.g. NAN_DETECTED")}
        <div>
          <label htmlFor="f-tier">Tier</label>
          <select id="f-tier" value={input.tier} onChange={(e) => set("tier")(e.target.value as Tier | "")}>
            <option value="">Any</option><option value="FREE">FREE</option><option value="PLUS">PLUS</option>
          </select>
        </div>
        <div>
          <label htmlFor="f-stage">Stage</label>
          <select id="f-stage" value={input.stage} onChange={(e) => set("stage")(e.target.value as JobStage | "")}>
            <option value="">Any</option>
            {STAGES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        {text("workerId", "Worker")}
        <div>
          <label htmlFor="f-after">Created from</label>
          <input id="f-after" type="datetime-local" value={input.createdAfter} onChange={(e) => set("createdAfter")(e.target.value)} />
        </div>
        <div>
          <label htmlFor="f-before">Created before</label>
          <input id="f-before" type="datetime-local" value={input.createdBefore} onChange={(e) => set("createdBefore")(e.target.value)} />
        </div>
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>Search</button>
        <button type="button" className="secondary" onClick={() => { setInput(EMPTY_SEARCH); onSearch(EMPTY_SEARCH); }}>Clear</button>
      </div>
    </form>
  );
}
