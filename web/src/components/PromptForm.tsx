// The prompt form: only what the tier allows; server-side userErrors shown beside their fields.
import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api";
import { ERROR_TITLE, newIdempotencyKey, RESOLUTION_LABEL } from "../format";
import { GENERATE } from "../queries";
import { useSession } from "../session";
import type { Resolution, UserError } from "../types";
import { ExamplePrompts, useModelCard } from "./ExamplePrompts";
import { Notice } from "./Notice";

type Field = "prompt" | "negativePrompt" | "resolution" | "durationSeconds" | "seed";
const FIELDS: readonly string[] = ["prompt", "negativePrompt", "resolution", "durationSeconds", "seed"];
const MAX_PROMPT = 2000;
/** Until the model's card has answered (or when it lists no prompts). */
const FALLBACK_PLACEHOLDER = "Describe the video you want";

interface Payload { generateVideo: { job: { id: string } | null; userErrors: UserError[] } }

export function PromptForm({ onCreated }: { onCreated(jobId: string): void }) {
  const { me, request } = useSession();
  const { limits } = me;
  const card = useModelCard();
  const [prompt, setPrompt] = useState("");
  const [resolution, setResolution] = useState<Resolution>(limits.resolutions[0] ?? "R480P");
  const [duration, setDuration] = useState(String(Math.min(Math.max(4, limits.minDurationSeconds), limits.maxDurationSeconds)));
  const [seed, setSeed] = useState("");
  const [negativePrompt, setNegativePrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<{ title: string; message: string } | null>(null);
  // One key per intended submission: a double click or a retry after a lost answer returns the same
  // job; editing the form or a created job starts a new one.
  const idempotencyKey = useRef<string | null>(null);
  const edit = <T,>(set: (v: T) => void) => (value: T) => { idempotencyKey.current = null; set(value); };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const local: Partial<Record<Field, string>> = {};
    if (!prompt.trim()) local.prompt = "Describe the video you want.";
    const seconds = Number(duration);
    if (!Number.isInteger(seconds) || seconds < limits.minDurationSeconds || seconds > limits.maxDurationSeconds) {
      local.durationSeconds = `Choose ${limits.minDurationSeconds} to ${limits.maxDurationSeconds} seconds.`;
    }
    if (seed.trim() && !/^\d+$/.test(seed.trim())) local.seed = "The seed is a whole number, 0 or more.";
    setFieldErrors(local);
    setFormError(null);
    if (Object.keys(local).length) return;

    idempotencyKey.current ??= newIdempotencyKey();
    setBusy(true);
    try {
      const input = { prompt, resolution, durationSeconds: seconds, idempotencyKey: idempotencyKey.current, ...(seed.trim() ? { seed: Number(seed) } : {}),
        ...(negativePrompt.trim() ? { negativePrompt } : {}) };
      const { generateVideo } = await request<Payload>(GENERATE, { input });
      if (generateVideo.job && generateVideo.userErrors.length === 0) {
        idempotencyKey.current = null;
        onCreated(generateVideo.job.id);
        return;
      }
      const byField: Partial<Record<Field, string>> = {};
      const general: UserError[] = [];
      for (const error of generateVideo.userErrors) {
        const name = error.field?.at(-1);
        if (name && FIELDS.includes(name)) byField[name as Field] = error.message;
        else general.push(error);
      }
      setFieldErrors(byField);
      const first = general[0] ?? generateVideo.userErrors[0];
      if (first && general.length) setFormError({ title: ERROR_TITLE[first.code] ?? "The video could not be started", message: general.map((e) => e.message).join(" ") });
      else if (!first) setFormError({ title: "The video could not be started", message: "The server returned no job." });
    } catch (e) {
      setFormError({ title: "The video could not be started", message: e instanceof ApiError ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (field: Field, hint?: string) => [fieldErrors[field] ? `${field}-error` : null, hint].filter(Boolean).join(" ") || undefined;
  const error = (field: Field) => fieldErrors[field] && <p id={`${field}-error`} className="field-error">{fieldErrors[field]}</p>;

  return (
    <form className="card prompt-form" onSubmit={submit} noValidate aria-labelledby="new-video">
      <h2 id="new-video">New video</h2>
      {formError && <Notice kind="error" title={formError.title}><p>{formError.message}</p></Notice>}
      <label htmlFor="prompt">Prompt</label>
      <textarea id="prompt" name="prompt" rows={4} maxLength={MAX_PROMPT} required value={prompt}
        placeholder={card?.examplePrompts[0] ?? FALLBACK_PLACEHOLDER}
        onChange={(e) => edit(setPrompt)(e.target.value)}
        aria-invalid={fieldErrors.prompt ? true : undefined} aria-describedby={describedBy("prompt", "prompt-count")} />
      <p id="prompt-count" className="hint">{prompt.length} / {MAX_PROMPT} characters</p>
      {error("prompt")}
      <ExamplePrompts card={card} onPick={edit(setPrompt)} />
      <label htmlFor="negative-prompt">Avoid <span className="muted">(optional negative prompt)</span></label>
      <input id="negative-prompt" name="negativePrompt" type="text" maxLength={MAX_PROMPT} autoComplete="off" value={negativePrompt}
        placeholder="blurry, dark" onChange={(e) => edit(setNegativePrompt)(e.target.value)}
        aria-invalid={fieldErrors.negativePrompt ? true : undefined} aria-describedby={describedBy("negativePrompt", "negative-hint")} />
      <p id="negative-hint" className="hint">What the video should steer away from.</p>
      {error("negativePrompt")}
      <div className="fields">
        <div>
          <label htmlFor="resolution">Resolution</label>
          <select id="resolution" name="resolution" value={resolution} onChange={(e) => edit(setResolution)(e.target.value as Resolution)}
            aria-invalid={fieldErrors.resolution ? true : undefined} aria-describedby={describedBy("resolution")}>
            {limits.resolutions.map((r) => <option key={r} value={r}>{RESOLUTION_LABEL[r]}</option>)}
          </select>
          {error("resolution")}
        </div>
        <div>
          <label htmlFor="duration">Duration (seconds)</label>
          <input id="duration" name="duration" type="number" inputMode="numeric" min={limits.minDurationSeconds} max={limits.maxDurationSeconds}
            step={1} value={duration} onChange={(e) => edit(setDuration)(e.target.value)}
            aria-invalid={fieldErrors.durationSeconds ? true : undefined} aria-describedby={describedBy("durationSeconds", "duration-hint")} />
          <p id="duration-hint" className="hint">{limits.minDurationSeconds}–{limits.maxDurationSeconds} s</p>
          {error("durationSeconds")}
        </div>
        <div>
          <label htmlFor="seed">Seed <span className="muted">(optional)</span></label>
          <input id="seed" name="seed" type="text" inputMode="numeric" autoComplete="off" value={seed} placeholder="Random"
            onChange={(e) => edit(setSeed)(e.target.value)}
            aria-invalid={fieldErrors.seed ? true : undefined} aria-describedby={describedBy("seed", "seed-hint")} />
          <p id="seed-hint" className="hint">Same seed and settings, same video.</p>
          {error("seed")}
        </div>
      </div>
      <button type="submit" className="primary" disabled={busy}>{busy ? "Starting…" : "Generate video"}</button>
    </form>
  );
}
