// Level 2 per duration in the report: one table (each duration: the model under test, then the compared
// model, so "better than 1.3.0" reads row against row), the comparison spelled out, and the strip with
// its labels. Used by report.ts for index.html and the stdout summary.
import type { DurationsSection } from "./compare.js";
import { failed, type DurationFigures, type DurationResult } from "./durations.js";
import { breakdownLine } from "./figures.js";
import { escapeHtml } from "./svg.js";
import { clearedCell, targetsLine } from "./targets.js";

const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(0)}%`);
const num = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));

export const DURATION_COLUMNS = ["model", "clip", "score 1-5", "accuracy", "kind", "motion", "digits read", "multi-shape fully right",
  "flicker (truth)", "path error px", "velocity error px/frame", "jerk px (truth)", "s/clip", "all targets"];

function cells(r: DurationResult, compared: boolean): string[] {
  // "(compared)": the two rows read apart even when a model is compared with itself (a determinism check)
  const who = `${r.model.id} ${r.model.version}${compared ? " (compared)" : ""}`;
  if (failed(r)) return [who, `${r.seconds} s`, `FAILED: ${r.error}`, ...DURATION_COLUMNS.slice(3).map(() => "")];
  const a = r.alignment, s = r.smoothness;
  return [
    who, `${r.seconds} s (${r.frames} frames)`, num(a.score), pct(a.accuracy), pct(a.attributes.kind), pct(a.attributes.motion),
    `${pct(a.digits.accuracy)} (${a.digits.correct}/${a.digits.expected})`, `${pct(r.multiShape.share)} (${r.multiShape.fullyRight}/${r.multiShape.clips})`,
    `${num(r.flicker.generated, 4)} (${num(r.flicker.truth, 4)})`, num(s.errorPx), num(s.velocityErrorPx), `${num(s.jerkPx)} (${num(s.truthJerkPx)})`,
    num(r.timing.secondsPerClip), clearedCell(r.cleared),
  ];
}

/** The table's rows: per duration, the model under test and then the compared model. */
export function durationRows(d: DurationsSection): string[][] {
  return d.seconds.flatMap((seconds) => [d.model, ...(d.compare ? [d.compare] : [])]
    .flatMap((results, k) => results.filter((r) => r.seconds === seconds).map((r) => cells(r, k === 1))));
}

/** Model against compared model at one duration, in words; null when either failed or is absent. */
export function comparisonLine(model: DurationResult | undefined, other: DurationResult | undefined): string | null {
  if (!model || !other || failed(model) || failed(other)) return null;
  const m: DurationFigures = model, o: DurationFigures = other;
  const sign = (x: number, d = 2) => (x >= 0 ? "+" : "") + x.toFixed(d);
  const v = [m.smoothness.velocityErrorPx, o.smoothness.velocityErrorPx];
  // a clip that freezes flickers less than the truth: nearer the truth's flicker is better, not lower
  const gap = [Math.abs(m.flicker.generated - m.flicker.truth), Math.abs(o.flicker.generated - o.flicker.truth)];
  return `${m.seconds} s: score ${sign(m.alignment.score - o.alignment.score)}, accuracy ${sign(100 * (m.alignment.accuracy - o.alignment.accuracy), 0)} pts, `
    + `kind ${sign(100 * (m.alignment.attributes.kind - o.alignment.attributes.kind), 0)} pts, motion ${sign(100 * (m.alignment.attributes.motion - o.alignment.attributes.motion), 0)} pts; `
    + `velocity error ${num(v[0]!)} vs ${num(v[1]!)} px/frame (${v[0]! < v[1]! ? "smoother" : "not smoother"}); `
    + `flicker ${num(m.flicker.generated, 4)} vs ${num(o.flicker.generated, 4)}, truth ${num(m.flicker.truth, 4)} (${gap[0]! < gap[1]! ? "nearer the truth" : "not nearer the truth"})`;
}

const comparisons = (d: DurationsSection) => (d.compare
  ? d.seconds.map((s) => comparisonLine(d.model.find((r) => r.seconds === s), d.compare!.find((r) => r.seconds === s))).filter((l): l is string => l !== null)
  : []);

export function durationsSummary(d: DurationsSection): string[] {
  const widths = [32, 18, 6, 6, 5, 6, 13, 13, 17, 6, 6, 13, 7];
  const row = (c: string[]) => "  " + c.slice(0, -1).map((x, i) => x.padEnd(widths[i]!)).join(" ") + " " + c.at(-1);
  return [
    `  per duration at ${d.steps} steps (targets: ${targetsLine()}):`,
    row(["model", "clip", "score", "acc", "kind", "motion", "digits", "multi-shape", "flicker (truth)", "path", "vel", "jerk (truth)", "s/clip", "targets"]),
    ...durationRows(d).map(row),
    ...comparisons(d).map((l) => `  vs compared model, ${l}`),
    ...d.model.flatMap((r) => (failed(r) ? [] : [`  ${r.seconds} s by expected kind: ${breakdownLine(r.alignment.breakdown.kind)}`,
      `  ${r.seconds} s by expected motion: ${breakdownLine(r.alignment.breakdown.motion)}`])),
    ...(d.strip ? [`  strip: ${d.strip.file} (${d.strip.width}x${d.strip.height}; rows: ${d.strip.rows.map((r) => r.index).join(", ")})`] : []),
    "",
  ];
}

export function durationsHtml(d: DurationsSection): string {
  const head = `<tr>${DURATION_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = durationRows(d).map((c) => `<tr>${c.map((x) => `<td>${escapeHtml(x)}</td>`).join("")}</tr>`).join("");
  const lines = comparisons(d).map((l) => `<li>${escapeHtml(l)}</li>`).join("");
  const s = d.strip;
  const strip = s ? `<h2>Side by side</h2><p>Each row one prompt, at ${s.seconds} s and ${s.steps} steps, frames ${s.frames.join(", ")} of each clip; left to right: `
    + `${s.columns.map((c) => escapeHtml(c)).join(" | ")}.</p><p><img src="${escapeHtml(s.file)}" width="${s.width * 2}" height="${s.height * 2}" style="image-rendering:pixelated;max-width:100%;height:auto" alt="side-by-side strip"></p>`
    + `<ol>${s.rows.map((r) => `<li>${escapeHtml(`${r.what}: ${r.caption} (golden ${r.index}, seed ${r.seed})`)}</li>`).join("")}</ol>` : "";
  return `<h2>Per duration, ${d.steps} steps</h2><p>Targets (issue 19): ${escapeHtml(targetsLine())}. Path and velocity error: the judged shape's per-frame centroid `
    + `against the rendered ground truth's (eval/quality/smoothness.ts); velocity error is the smoothness figure, 0 when it moves with the truth `
    + `(an offset costs nothing: the prompt does not say where a shape starts, so the path error mostly reads placement). `
    + `Flicker nearer the truth's is better: a frozen clip flickers less.</p><table>${head}${body}</table>${lines ? `<ul>${lines}</ul>` : ""}${strip}`;
}
