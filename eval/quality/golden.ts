// The level-2 golden prompts (eval/golden/shapes.json): kinema-shapes clips from indexes >= 1e9 (never
// seen in training, which streams [0, 1e8)), picked deterministically so that every colour (as shape and
// as background), every kind (all ten digits included) and every motion appears, with one to three shapes.
import { readFileSync } from "node:fs";
import { COLOR_NAMES, DIGITS, KINDS, MOTIONS, SHAPE_KINDS, sampleClip, type ClipSpec } from "../../model/shapes/dataset.js";

export const GOLDEN_BASE = 1_000_000_000;
/** The real-vs-real floor of the Fréchet distance draws its second real set from here, same selection. */
export const FLOOR_BASE = 1_500_000_000;
export const GOLDEN_COUNT = 48;
export const SHAPES_GOLDEN_FILE = new URL("../golden/shapes.json", import.meta.url);

export interface GoldenClip {
  index: number;
  caption: string;
  /** the generation seed: fixed per prompt, so every run and every step count starts from the same noise */
  seed: number;
  spec: ClipSpec;
}

export interface ShapesGolden { description: string; base: number; clips: GoldenClip[] }

// How often each value must appear before plain index order fills the rest: enough that a per-attribute
// accuracy is not decided by one clip. Digits are rarer (a fifth of the shapes): each once at least.
const MIN_SHAPE_KIND = 5, MIN_DIGIT = 1, MIN_COLOR = 4, MIN_BACKGROUND = 4, MIN_MOTION = 5;
/** clips per shape count: mostly one shape (the common prompt), a good share of the harder two and three */
const QUOTA: Record<number, number> = { 1: 22, 2: 16, 3: 10 };
const CANDIDATES = 4000;

function wants(): Map<string, number> {
  const need = new Map<string, number>();
  for (const k of SHAPE_KINDS) need.set(`kind:${k}`, MIN_SHAPE_KIND);
  for (const d of DIGITS) need.set(`kind:${d}`, MIN_DIGIT);
  for (const c of COLOR_NAMES) need.set(`color:${c}`, MIN_COLOR).set(`bg:${c}`, MIN_BACKGROUND);
  for (const m of MOTIONS) need.set(`motion:${m}`, MIN_MOTION);
  return need;
}

const keysOf = (spec: ClipSpec) => [`bg:${spec.background}`, ...spec.shapes.flatMap((s) => [`kind:${s.kind}`, `color:${s.color}`, `motion:${s.motion}`])];

/** Greedy cover over the first CANDIDATES indexes from `base`, then index order; deterministic. */
export function selectGolden(base: number, count = GOLDEN_COUNT): GoldenClip[] {
  const pool = Array.from({ length: CANDIDATES }, (_, i) => sampleClip(base + i));
  const need = wants();
  const left = { ...QUOTA };
  const scale = count / GOLDEN_COUNT;
  for (const n of Object.keys(left)) left[Number(n)] = Math.round(QUOTA[Number(n)]! * scale);
  const chosen = new Set<number>();
  const gain = (spec: ClipSpec) => {
    const seen = new Map<string, number>();
    let g = 0;
    for (const key of keysOf(spec)) {
      const used = seen.get(key) ?? 0;
      if ((need.get(key) ?? 0) > used) g++;
      seen.set(key, used + 1);
    }
    return g;
  };
  while (chosen.size < count) {
    let best = -1, bestGain = 0;
    for (let i = 0; i < pool.length; i++) {
      const spec = pool[i]!;
      if (chosen.has(i) || !(left[spec.shapes.length]! > 0)) continue;
      const g = gain(spec);
      if (g > bestGain) [best, bestGain] = [i, g];
    }
    if (best < 0) best = pool.findIndex((s, i) => !chosen.has(i) && left[s.shapes.length]! > 0);
    if (best < 0) throw new Error(`cannot fill ${count} golden clips from ${CANDIDATES} candidates`);
    chosen.add(best);
    const spec = pool[best]!;
    left[spec.shapes.length]!--;
    for (const key of keysOf(spec)) if (need.has(key)) need.set(key, need.get(key)! - 1);
  }
  return [...chosen].sort((a, b) => a - b).map((i, k) => {
    const spec = pool[i]!;
    return { index: spec.index, caption: spec.caption, seed: 7_000 + k, spec };
  });
}

/** Which values of each attribute a set covers (the generator checks the golden set covers them all). */
export function coverage(clips: readonly GoldenClip[]) {
  const count = (values: string[]) => Object.fromEntries([...new Set(values)].sort().map((v) => [v, values.filter((x) => x === v).length]));
  const shapes = clips.flatMap((c) => c.spec.shapes);
  return {
    kinds: count(shapes.map((s) => s.kind)), colors: count(shapes.map((s) => s.color)),
    backgrounds: count(clips.map((c) => c.spec.background)), motions: count(shapes.map((s) => s.motion)),
    shapeCounts: count(clips.map((c) => String(c.spec.shapes.length))),
  };
}

export function missingFromCoverage(clips: readonly GoldenClip[]): string[] {
  const c = coverage(clips);
  return [
    ...KINDS.filter((k) => !c.kinds[k]).map((k) => `kind ${k}`),
    ...COLOR_NAMES.filter((v) => !c.colors[v]).map((v) => `colour ${v}`),
    ...COLOR_NAMES.filter((v) => !c.backgrounds[v]).map((v) => `background ${v}`),
    ...MOTIONS.filter((m) => !c.motions[m]).map((m) => `motion ${m}`),
    ...["1", "2", "3"].filter((n) => !c.shapeCounts[n]).map((n) => `${n} shapes`),
  ];
}

export function loadShapesGolden(): ShapesGolden {
  return JSON.parse(readFileSync(SHAPES_GOLDEN_FILE, "utf8")) as ShapesGolden;
}

/** `n` of the clips, evenly spread over the set (a quick run still sees every part of it); all when n is absent. */
export function subsample<T>(items: readonly T[], n: number | null): T[] {
  if (n === null || n >= items.length) return [...items];
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)]!);
}
