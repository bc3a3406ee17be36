// From scored clips to the report's figures: alignment (the judge's accuracy and 1-5 score, and per
// attribute: background, colour, kind, motion), legibility (digits read back), the Fréchet distance of a
// set's features to the real renders of the same specs, and flicker.
import type { Judgement } from "../judge/judge.js";
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
