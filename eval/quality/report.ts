// The level-2 report: its shape (report.json), the offline HTML page with inline SVG charts
// (index.html) and the stdout summary.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AdversarialSkipped, SafetyFigures } from "./adversarial.js";
import type { BaselineComparison } from "./baseline.js";
import type { DurationsSection } from "./compare.js";
import { durationsHtml, durationsSummary } from "./durations-report.js";
import type { FeatureExtractor } from "./features.js";
import { breakdownLine, round, type perPrompt, type SetFigures } from "./figures.js";
import type { ModelInfo } from "./generate.js";
import { barChart, COLORS, escapeHtml, lineChart } from "./svg.js";

export interface Level2Report {
  level: 2;
  passed: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  environment: Record<string, unknown>;
  prompts: { used: number; golden: number; indexes: number[] };
  features: Pick<FeatureExtractor, "kind" | "description" | "source">;
  models: { model: ModelInfo; contrast: ModelInfo | null };
  /** FREE and PLUS step budgets */
  productionSteps: number[];
  /** the shipped model at every step count, then the contrast model */
  runs: SetFigures[];
  /** the real renders through the same judge (its ceiling) and their flicker */
  real: SetFigures;
  /** FD between the real renders and a second real set (other indexes, same selection): what "as good as real" reads */
  frechetFloor: number;
  safety: SafetyFigures | AdversarialSkipped;
  baseline: BaselineComparison & { file: string; updated: boolean };
  perPrompt: Record<string, ReturnType<typeof perPrompt>>;
  /** --durations / --compare: per-duration figures of the model (and the compared model) and the strip */
  durations?: DurationsSection;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : `${(100 * x).toFixed(0)}%`);
const num = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));
const runName = (r: SetFigures) => `${r.model?.id ?? r.label} @${r.steps}`;

/** Where the model under test reads wrong, per run: right / expected per expected kind and motion, and what the
 * judge read instead (the per-prompt rows say it clip by clip; this says which kinds and motions are the gap). */
function breakdownLines(r: Level2Report): string[] {
  return r.runs.filter((f) => f.model?.hash === r.models.model.hash).flatMap((f) => [
    `  ${runName(f)} by expected kind: ${breakdownLine(f.alignment.breakdown.kind)}`,
    `  ${" ".repeat(runName(f).length)} by expected motion: ${breakdownLine(f.alignment.breakdown.motion)}`,
  ]);
}

export function summaryLines(r: Level2Report): string[] {
  const lines = [
    "", `Kinema eval, level 2: ${r.passed ? "PASSED" : "FAILED"} in ${r.wallSeconds.toFixed(0)} s (${r.prompts.used} of ${r.prompts.golden} golden prompts)`,
    `  model: ${r.models.model.id} ${r.models.model.version} (${r.models.model.hash.slice(0, 12)}), ${r.models.model.width}x${r.models.model.height}`,
    `  features for the Fréchet distance: ${r.features.kind}; real-vs-real floor ${num(r.frechetFloor)}`,
    "", "  run                      accuracy  score  bg    colour kind  motion digits  FD      flicker  s/clip",
  ];
  for (const f of [...r.runs, r.real]) {
    const a = f.alignment;
    lines.push(`  ${(f.steps === null ? f.label : runName(f)).padEnd(24)} ${pct(a.accuracy).padStart(8)}  ${num(a.score, 2).padStart(5)}  ${pct(a.attributes.background).padEnd(5)} ${pct(a.attributes.color).padEnd(6)} ${pct(a.attributes.kind).padEnd(5)} ${pct(a.attributes.motion).padEnd(6)} ${pct(a.digits.accuracy).padEnd(7)} ${num(f.frechet).padEnd(7)} ${num(f.flicker, 4).padEnd(8)} ${num(f.timing.secondsPerClip)}`);
  }
  lines.push("", ...breakdownLines(r), "");
  if (r.durations) lines.push(...durationsSummary(r.durations));
  const s = r.safety;
  if ("skipped" in s) lines.push(`  safety: SKIPPED (${s.reason})`);
  else {
    lines.push(`  safety: ${s.violations} violation(s), ${s.unverified} unverified; pre-filter refused ${s.prefilter.refused}/${s.prefilter.prompts} must-block prompts`);
    lines.push(`          post-filter blocked ${s.postfilter.blocked}/${s.postfilter.items} banked items (${Object.entries(s.postfilter.byGate).map(([g, n]) => `${g} ${n}`).join(", ")}), every frame scanned: ${s.postfilter.everyFrameScanned}; control delivered: ${s.postfilter.control.delivered}`);
  }
  for (const d of r.baseline.deltas) lines.push(`  baseline @${d.steps}: score ${num(d.current)} vs ${num(d.baseline)} on ${d.prompts} prompts (drop ${num(d.drop)})${d.failed ? "  ✗" : ""}`);
  for (const n of r.baseline.notes) lines.push(`  note: ${n}`);
  for (const f of r.baseline.failures) lines.push(`  ✗ ${f}`);
  return [...lines, ""];
}

export function renderHtml(r: Level2Report): string {
  const model = r.runs.filter((f) => f.model?.hash === r.models.model.hash);
  const at = (steps: number) => model.find((f) => f.steps === steps) ?? null;
  const main = at(r.productionSteps[0]!) ?? model[model.length - 1]!;
  const contrast = r.models.contrast ? r.runs.find((f) => f.model?.hash === r.models.contrast!.hash && f !== main) ?? null : null;
  const attrs = (f: SetFigures | null) => (f ? [f.alignment.accuracy, f.alignment.attributes.background, f.alignment.attributes.color, f.alignment.attributes.kind, f.alignment.attributes.motion, f.alignment.digits.accuracy] : []);
  const alignment = barChart(`Alignment at ${main.steps} steps (judge)`, ["overall", "background", "colour", "kind", "motion", "digits"], [
    { name: runName(main), values: attrs(main), color: COLORS[0]! },
    ...(contrast ? [{ name: runName(contrast), values: attrs(contrast), color: COLORS[1]! }] : []),
    { name: "real renders (judge ceiling)", values: attrs(r.real), color: COLORS[4]! },
  ], { yMax: 1, yLabel: "share correct" });
  const steps = model.map((f) => f.steps!);
  const line = (name: string, pick: (f: SetFigures) => number | null, color: string) => ({ name, values: model.map(pick), color });
  const vsSteps = lineChart(`${r.models.model.id}: alignment vs denoising steps`, steps, [
    line("overall", (f) => f.alignment.accuracy, COLORS[0]!), line("colour", (f) => f.alignment.attributes.color, COLORS[1]!),
    line("kind", (f) => f.alignment.attributes.kind, COLORS[2]!), line("motion", (f) => f.alignment.attributes.motion, COLORS[3]!),
  ], { yMax: 1, yLabel: "share correct", xLabel: "steps" });
  const sets = [...r.runs];
  const names = sets.map((f) => `${f.model?.id ?? f.label}\n@${f.steps}`);
  const fd = barChart("Fréchet distance to the real renders (lower is better)", [...names, "real\nfloor"], [
    { name: "generated", values: [...sets.map((f) => f.frechet), null], color: COLORS[0]! },
    { name: "real vs real (floor)", values: [...sets.map(() => null), r.frechetFloor], color: COLORS[4]! },
  ], { yLabel: `FD (${r.features.kind})` });
  const flicker = barChart("Flicker: mean frame-to-frame |difference|", [...names, "real\nrenders"], [
    { name: "generated", values: [...sets.map((f) => f.flicker), null], color: COLORS[0]! },
    { name: "real renders", values: [...sets.map(() => null), r.real.flicker], color: COLORS[4]! },
  ], { yLabel: "share of 0-255" });
  const rows = [...r.runs, r.real].map((f) => `<tr><td>${escapeHtml(f.steps === null ? f.label : runName(f))}</td><td>${pct(f.alignment.accuracy)}</td><td>${num(f.alignment.score)}</td>`
    + `<td>${pct(f.alignment.attributes.background)}</td><td>${pct(f.alignment.attributes.color)}</td><td>${pct(f.alignment.attributes.kind)}</td><td>${pct(f.alignment.attributes.motion)}</td>`
    + `<td>${pct(f.alignment.digits.accuracy)} (${f.alignment.digits.correct}/${f.alignment.digits.expected})</td><td>${num(f.frechet)}</td><td>${num(f.flicker, 4)}</td><td>${num(f.timing.secondsPerClip)}</td></tr>`).join("");
  const prompts = (r.perPrompt[main.label] ?? []).map((p) => `<tr><td>${p.index}</td><td>${escapeHtml(p.caption)}</td><td>${num(p.score, 1)}</td><td>${p.backgroundOk ? "✓" : `✗ ${p.background ?? "?"}`}</td>`
    + `<td>${p.shapes.map((s) => escapeHtml(`${s.expected.color} ${s.expected.kind} ${s.expected.motion}: ${s.found ? `${s.kindOk ? "✓" : `✗${s.kind ?? "?"}`} ${s.motionOk ? "✓" : `✗${s.motion ?? "?"}`}` : "not found"}`)).join("<br>")}</td></tr>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kinema level 2: ${escapeHtml(r.models.model.id)}</title>
<style>body{font-family:sans-serif;max-width:1180px;margin:20px auto;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}.pass{color:#1a7f37}.fail{color:#c62828}pre{background:#f5f5f5;padding:8px;white-space:pre-wrap}</style></head><body>
<h1>Kinema eval, level 2 — <span class="${r.passed ? "pass" : "fail"}">${r.passed ? "PASSED" : "FAILED"}</span></h1>
<p>${escapeHtml(r.models.model.id)} ${escapeHtml(r.models.model.version)} (<code>${r.models.model.hash.slice(0, 16)}</code>)${r.models.contrast ? `, contrast ${escapeHtml(r.models.contrast.id)} (<code>${r.models.contrast.hash.slice(0, 16)}</code>)` : ""};
${r.prompts.used} of ${r.prompts.golden} golden prompts; ${r.startedAt}, ${r.wallSeconds.toFixed(0)} s. Features: ${escapeHtml(r.features.description)}.</p>
<div class="charts">${alignment}${vsSteps}${fd}${flicker}</div>
<h2>Figures</h2><table><tr><th>run</th><th>accuracy</th><th>score 1-5</th><th>background</th><th>colour</th><th>kind</th><th>motion</th><th>digits read</th><th>FD</th><th>flicker</th><th>s/clip</th></tr>${rows}</table>
<p>Real-vs-real Fréchet floor: ${num(r.frechetFloor)}.</p>
<h2>Where kind and motion go wrong</h2><p>Right / expected per expected kind (the ten digits pooled) and per expected motion; in brackets what the judge read instead ("none": the shape was not found or its reading unclear).</p>
<pre>${escapeHtml(breakdownLines(r).map((l) => l.trim()).join("\n"))}</pre>
${r.durations ? durationsHtml(r.durations) : ""}
<h2>Safety and baseline</h2><pre>${escapeHtml(summaryLines(r).filter((l) => /safety|post-filter|baseline|note|✗/.test(l)).join("\n"))}</pre>
<details><summary>Per prompt: ${escapeHtml(runName(main))}</summary><table><tr><th>index</th><th>caption</th><th>score</th><th>background</th><th>shapes (kind, motion)</th></tr>${prompts}</table></details>
</body></html>
`;
}

export async function writeLevel2Report(dir: string, report: Level2Report): Promise<void> {
  await mkdir(dir, { recursive: true });
  const json = JSON.stringify(report, (_, v: unknown) => (typeof v === "number" ? round(v, 6) : v), 2);
  await writeFile(join(dir, "report.json"), json + "\n");
  await writeFile(join(dir, "index.html"), renderHtml(report));
}
