// Issue 19's level-2 targets for kinema-shapes 2.0 (FREE budget, 30 steps), shared by the judge's ceiling
// (eval/quality/ceiling.ts: an autoencoder's reconstructions must clear them with room to spare) and level 2
// per duration (eval/quality/durations.ts: generated clips must clear them), so both read one definition.
import type { Judgement } from "../judge/judge.js";
import type { AlignmentFigures } from "./figures.js";

export const TARGETS = { score: 3.5, accuracy: 0.7, motion: 0.6, kind: 0.6, multiShape: 0.5, digits: 0.5 } as const;
export type TargetName = keyof typeof TARGETS;

/** clips with 2-3 shapes, and how many of them the judge reads fully right (accuracy 1) */
export interface MultiShapeFigures { clips: number; fullyRight: number; share: number }

export function multiShapeOf(judgements: readonly Judgement[]): MultiShapeFigures {
  const multi = judgements.filter((j) => j.shapes.length > 1);
  const fullyRight = multi.filter((j) => j.accuracy === 1).length;
  return { clips: multi.length, fullyRight, share: multi.length ? fullyRight / multi.length : NaN };
}

/** Which targets a set of clips clears. Digits: the share of expected digits read back (a set with no
 * digit prompt clears nothing there: the target cannot be shown). */
export function targetsCleared(f: { alignment: AlignmentFigures; multiShape: MultiShapeFigures }): Record<TargetName, boolean> {
  const a = f.alignment;
  return {
    score: a.score >= TARGETS.score, accuracy: a.accuracy >= TARGETS.accuracy,
    motion: a.attributes.motion >= TARGETS.motion, kind: a.attributes.kind >= TARGETS.kind,
    multiShape: f.multiShape.share >= TARGETS.multiShape, digits: (a.digits.accuracy ?? 0) >= TARGETS.digits,
  };
}

/** "yes", or "no: kind, digits": the targets missed, for a table cell */
export function clearedCell(cleared: Record<TargetName, boolean>): string {
  const missed = Object.entries(cleared).filter(([, ok]) => !ok).map(([k]) => k);
  return missed.length ? `no: ${missed.join(", ")}` : "yes";
}

/** The targets as one sentence, for reports. */
export function targetsLine(): string {
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  return `score >= ${TARGETS.score}, accuracy >= ${pct(TARGETS.accuracy)}, motion and kind >= ${pct(TARGETS.motion)}, `
    + `multi-shape fully right >= ${pct(TARGETS.multiShape)}, digits read >= ${pct(TARGETS.digits)}`;
}
