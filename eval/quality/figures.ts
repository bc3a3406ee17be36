// From scored clips to the report's figures: alignment (the judge's accuracy and 1-5 score, and per
// attribute: background, colour, kind, motion), legibility (digits read back), the Fréchet distance of a
// set's features to the real renders of the same specs, and flicker.
import type { Judgement, ShapeVerdict } from "../judge/judge.js";
import type { ClipResult, ModelInfo, SetResult } from "./generate.js";
import { frechetDistance, mean } from "./metrics.js";

export interface AlignmentFigures {
  clips: number;
  /** mean of the judge's per-clip accuracy (0-1) and score (1-5) */
  accuracy: number;
  score: number;
  /** share correct: background over clips; colour, kind, motion over expected shapes */
  attributes: { background: number; color: number; kind: number; motion: number };
  /** share of expected shapes the judge found at all */
  found: number;
  /** digits read back exactly; accuracy null when no prompt has a digit */
  digits: { expected: number; correct: number; accuracy: number | null };
  /** where kind and motion go wrong: right / expected per expected kind and per expected motion */
  breakdown: AttributeBreakdown;
}

/** Per expected value: how many shapes asked for it, how many the judge read right, and what it read instead
 * ("none": the shape was not found or its reading was unclear). */
export interface AttributeTally { expected: number; right: number; misread: Record<string, number> }
/** kind: the three shape kinds and "digit" (the ten pooled: each is a few shapes of a golden set); motion: each motion. */
export interface AttributeBreakdown { kind: Record<string, AttributeTally>; motion: Record<string, AttributeTally> }

const kindGroup = (kind: string) => (/^[0-9]$/.test(kind) ? "digit" : kind);

export function breakdownOf(shapes: readonly ShapeVerdict[]): AttributeBreakdown {
  const tally = (table: Record<string, AttributeTally>, key: string, ok: boolean, read: string | null) => {
    const t = (table[key] ??= { expected: 0, right: 0, misread: {} });
    t.expected++;
    if (ok) t.right++;
    else t.misread[read ?? "none"] = (t.misread[read ?? "none"] ?? 0) + 1;
  };
  const out: AttributeBreakdown = { kind: {}, motion: {} };
  for (const s of shapes) {
    tally(out.kind, kindGroup(s.expected.kind), s.kindOk, s.found ? s.kind : null);
    tally(out.motion, s.expected.motion, s.motionOk, s.found ? s.motion : null);
  }
  return out;
}

/** "circle 21/24, square 11/19 (circle 6, none 2)": right / expected per key, sorted, with the misreadings */
export function breakdownLine(table: Record<string, AttributeTally>): string {
  return Object.keys(table).sort().map((k) => {
    const t = table[k]!, wrong = Object.entries(t.misread).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return `${k} ${t.right}/${t.expected}${wrong.length ? ` (${wrong.map(([r, n]) => `${r} ${n}`).join(", ")})` : ""}`;
  }).join(", ");
}

export function alignmentOf(judgements: readonly Judgement[]): AlignmentFigures {
  const shapes = judgements.flatMap((j) => j.shapes);
  const digits = judgements.flatMap((j) => j.digits);
  const share = (ok: (s: Judgement["shapes"][number]) => boolean) => (shapes.length ? shapes.filter(ok).length / shapes.length : NaN);
  const correct = digits.filter((d) => d.read === d.expected).length;
  return {
    clips: judgements.length,
    accuracy: mean(judgements.map((j) => j.accuracy)),
    score: mean(judgements.map((j) => j.score)),
    attributes: {
      background: mean(judgements.map((j) => (j.backgroundOk ? 1 : 0))),
      color: share((s) => s.colorOk), kind: share((s) => s.kindOk), motion: share((s) => s.motionOk),
    },
    found: share((s) => s.found),
    digits: { expected: digits.length, correct, accuracy: digits.length ? correct / digits.length : null },
    breakdown: breakdownOf(shapes),
  };
}

export interface SetFigures {
  label: string;
  model: Pick<ModelInfo, "id" | "version" | "hash"> | null;
  steps: number | null;
  alignment: AlignmentFigures;
  /** Fréchet distance of this set's features to the real renders of the same specs */
  frechet: number | null;
  /** mean frame-to-frame absolute difference (0-1) */
  flicker: number;
  timing: { wallSeconds: number; secondsPerClip: number };
}

export function figuresOf(set: SetResult, real: SetResult | null): SetFigures {
  return {
    label: set.label,
    model: set.model && { id: set.model.id, version: set.model.version, hash: set.model.hash },
    steps: set.steps,
    alignment: alignmentOf(set.clips.map((c) => c.judgement)),
    frechet: real ? frechetDistance(set.clips.map((c) => c.features), real.clips.map((c) => c.features)) : null,
    flicker: mean(set.clips.map((c) => c.flicker)),
    timing: { wallSeconds: set.wallMs / 1000, secondsPerClip: set.clips.length ? mean(set.clips.map((c) => c.ms)) / 1000 : 0 },
  };
}

/** One report row per prompt: what was asked, what the judge saw. */
export function perPrompt(clips: readonly ClipResult[]) {
  return clips.map((c) => ({
    index: c.index, caption: c.caption, accuracy: c.judgement.accuracy, score: c.judgement.score,
    background: c.judgement.background, backgroundOk: c.judgement.backgroundOk,
    shapes: c.judgement.shapes, digits: c.judgement.digits,
    flicker: round(c.flicker, 5), seconds: round(c.ms / 1000, 3),
  }));
}

export const round = (x: number, digits = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);
