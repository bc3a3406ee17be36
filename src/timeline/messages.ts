// The sentence each timeline event shows people. Written for the job's owner: no worker ids, fencing
// tokens, rule ids or scores (those are in the staff view's `detail`); a blocked prompt's category is
// shown, the rule that matched is not. A post-filter block says only that the video did not pass, as the
// job's own error does (nothing about what would get through is taught).
import type { JobEventRow } from "./events.js";

const STAGE_NAMES: Record<string, string> = {
  PREFILTER: "Prompt check", QUEUED: "Queue", DENOISING: "Denoising", DECODING: "Decoding", POSTFILTER: "Safety check",
  SIGNING: "Signing", UPLOADING: "Upload", DONE: "Done",
};

function seconds(value: number | null | undefined): string {
  return value == null ? "an unknown time" : `${value.toFixed(1)} s`;
}

function ahead(detail: Record<string, unknown>): string {
  const n = Number(detail.position ?? 0);
  return n === 0 ? "first in line" : n >= 1000 ? "1,000 or more jobs ahead" : `${n} job${n === 1 ? "" : "s"} ahead`;
}

function who(detail: Record<string, unknown>): string {
  return detail.by === "staff" ? "Kinema support" : detail.by === "owner" ? "you" : "someone";
}

const QUEUED_BECAUSE: Record<string, string> = {
  submitted: "Queued", retry: "Back in the queue for another try", released: "Handed back to the queue (its worker was shutting down)",
  restarted: "Back in the queue to start over (its saved progress could not be used)", "staff retry": "Queued again by Kinema support",
};

export function eventMessage(e: JobEventRow, attempt: number | null): string {
  const d = e.detail;
  const stage = STAGE_NAMES[e.stage ?? ""] ?? e.stage ?? "";
  switch (e.kind) {
    case "SUBMITTED": return `Submitted (${d.resolution}, ${d.durationSeconds} s, ${d.stepBudget} steps)`;
    case "PREFILTER_DECISION":
      return d.verdict === "blocked" ? `The prompt was blocked by the safety check (category: ${d.category})` : "The prompt passed the safety check";
    case "QUEUED": return `${QUEUED_BECAUSE[String(d.reason)] ?? "Queued"}, ${ahead(d)}`;
    case "CLAIMED": return `Attempt ${attempt} started`;
    case "STAGE_ENTERED": return `${stage} started`;
    case "STAGE_LEFT": return e.stage === "QUEUED" ? `Waited ${seconds(e.durationSeconds)} in the queue` : `${stage} took ${seconds(e.durationSeconds)}`;
    case "CHECKPOINT_WRITTEN": return `Progress saved at step ${e.step}`;
    case "LEASE_LOST": return `The worker running attempt ${attempt} stopped responding (at step ${e.step ?? 0})`;
    case "RESUMED": return `Resumed from step ${e.step}`;
    case "RETRY_SCHEDULED": return `Another try scheduled in ${seconds(Number(d.backoffSeconds ?? 0))} (${d.code})`;
    case "NAN_DETECTED": return `A numerical error was detected at step ${e.step}`;
    case "POSTFILTER_DECISION":
      return d.verdict === "blocked" ? "The generated video did not pass the safety checks"
        : `The video passed the safety checks (${Array.isArray(d.samples) ? d.samples.length : 0} frames sampled)`;
    case "SIGNED": return "Signed with content credentials";
    case "UPLOADED": return "The video was stored";
    case "CACHE_HIT": return "Delivered from an identical earlier job of yours (no generation needed)";
    case "CANCEL_REQUESTED": return `Cancel requested by ${who(d)}`;
    case "CANCELLED": return `Cancelled by ${who(d)}`;
    case "FINISHED": return `Finished: ${d.status}${d.errorCode ? ` (${d.errorCode})` : ""}`;
    default: return String(e.kind);
  }
}
