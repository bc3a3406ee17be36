// One audited staff action: a required reason, the server's userErrors shown as they come (code and
// message), and on success `onDone(done)`: the page says it, since the form itself may go (a cancelled
// job has no cancel form). The caller's `run` sends the mutation and returns its userErrors.
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../../api";
import type { UserError } from "../../types";
import { Notice } from "../Notice";

interface Props {
  title: string;
  submitLabel: string;
  /** what a success says, e.g. "Job cancelled." */
  done: string;
  danger?: boolean;
  /** more fields above the reason (a key or a tier to choose) */
  children?: ReactNode;
  run(reason: string): Promise<UserError[]>;
  onDone(message: string): void;
}

const MAX_REASON = 500;

export function ReasonAction({ title, submitLabel, done, danger, children, run, onDone }: Props) {
  const id = useId();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors([]);
    if (!reason.trim()) { setMissing(true); return; }
    setMissing(false);
    setBusy(true);
    try {
      const userErrors = await run(reason.trim());
      setErrors(userErrors);
      if (userErrors.length === 0) { setReason(""); onDone(done); }
    } catch (e) {
      setErrors([{ code: e instanceof ApiError ? e.code ?? "ERROR" : "ERROR", message: (e as Error).message, field: null }]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card action" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{title}</h4>
      {children}
      <label htmlFor={`${id}-reason`}>Reason <span className="muted">(required, kept in the audit log)</span></label>
      <textarea id={`${id}-reason`} rows={2} maxLength={MAX_REASON} value={reason} required
        onChange={(e) => setReason(e.target.value)} aria-invalid={missing || undefined}
        aria-describedby={missing ? `${id}-missing` : undefined} />
      {missing && <p id={`${id}-missing`} className="field-error">Give a reason: it is kept with the action.</p>}
      {errors.length > 0 && (
        <Notice kind="error" title={`${title}: not done`}>
          <ul className="user-errors">{errors.map((e) => <li key={e.code + e.message}><code>{e.code}</code> {e.message}</li>)}</ul>
        </Notice>
      )}
      <button type="submit" className={danger ? "danger" : "secondary"} disabled={busy}>{busy ? "Working…" : submitLabel}</button>
    </form>
  );
}
