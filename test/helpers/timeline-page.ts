// Reading a rendered timeline back out of the page, and what the API's timeline says it should show, in
// the same shape, so a test compares the two whole: every event, in order, with its attempt, stage,
// duration, step, message, worker and decision line. The expected side is computed from the API's
// answer alone (not from the components' code), so a component that drops, reorders or misreports an
// event fails the comparison.
import type { Page } from "playwright-core";

export interface RenderedEvent {
  kind: string;
  attempt: number | null;
  stage: string | null;
  took: string | null;
  step: string | null;
  message: string;
}

export interface RenderedStaffEvent extends RenderedEvent {
  /** the worker named on the event, else the one in its attempt's heading */
  worker: string | null;
  decision: string | null;
}

export interface ApiEvent { kind: string; attempt: number | null; stage: string | null; message: string; durationSeconds: number | null; step: number | null }
export interface ApiStaffEvent { event: ApiEvent; workerId: string | null; fencingToken: string | null; detail: string }

/** The chips and message the API's event should show, in the form the page writes them. */
export function expectedEvent(e: ApiEvent): RenderedEvent {
  return {
    kind: e.kind, attempt: e.attempt, stage: e.stage,
    took: e.durationSeconds == null ? null : `took ${e.durationSeconds.toFixed(1)} s`,
    step: e.step == null ? null : `step ${e.step}`, message: e.message,
  };
}

/** A duration as the studio writes it: "42 s" under a minute, else "6 min 05 s"; "—" for none. */
export function expectedDuration(seconds: number | null): string {
  if (seconds == null) return "—";
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
}

// Page functions run in the page as self-contained functions (the studio's CSP forbids string eval);
// the server's typecheck has no DOM types, hence `any`.
/** The Support area's timeline: each attempt's section (heading "Attempt N · worker W") and its events. */
export function readStaffTimeline(page: Page): Promise<RenderedStaffEvent[]> {
  return page.getByTestId("timeline").evaluate((root: any) => {
    const text = (el: any, id: string) => el.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? null;
    const out: RenderedStaffEvent[] = [];
    for (const section of root.querySelectorAll("section.timeline-group")) {
      const title = text(section, "timeline-group-title") ?? "";
      const attempt = /^Attempt (\d+)/.exec(title);
      const groupWorker = / · worker (\S+)$/.exec(title)?.[1] ?? null;
      for (const li of section.querySelectorAll('[data-testid="timeline-event"]')) {
        out.push({
          kind: li.getAttribute("data-kind"), attempt: attempt ? Number(attempt[1]) : null,
          stage: text(li, "event-stage"), took: text(li, "event-duration"), step: text(li, "event-step"),
          message: text(li, "event-message") ?? "",
          worker: text(li, "event-worker")?.replace(/^worker /, "") ?? groupWorker, decision: text(li, "event-decision"),
        });
      }
    }
    return out;
  });
}

/** The owner's timeline on the job's page. */
export function readOwnerTimeline(page: Page): Promise<RenderedEvent[]> {
  return page.getByTestId("owner-timeline").evaluate((root: any) => {
    const text = (el: any, id: string) => el.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? null;
    return Array.from(root.querySelectorAll('[data-testid="owner-event"]'), (li: any) => {
      const attempt = text(li, "event-attempt");
      return {
        kind: li.getAttribute("data-kind"), attempt: attempt ? Number(attempt.replace(/^attempt /, "")) : null,
        stage: text(li, "event-stage"), took: text(li, "event-duration"), step: text(li, "event-step"), message: text(li, "event-message") ?? "",
      };
    });
  });
}

/** A table's body rows as lists of cell texts. */
export function readRows(page: Page, testId: string): Promise<string[][]> {
  return page.getByTestId(testId).evaluate((table: any) =>
    Array.from(table.querySelectorAll("tbody tr"), (tr: any) => Array.from(tr.querySelectorAll("td"), (td: any) => String(td.textContent).trim())));
}
