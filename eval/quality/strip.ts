// The side-by-side strip for a person to look at (issue 19): a fixed handful of golden prompts, each in one
// row: the rendered ground truth, then the compared model (e.g. 1.3.0), then the model under test, a few
// evenly spread frames of each, same prompts and seeds. Written as one PNG with the repo's own encoder
// (src/engine/png.ts); the labels (which row is which prompt, which group is which model) go next to it in
// index.html and report.json, since a PNG carries no text.
import { writeFile } from "node:fs/promises";
import type { ClipSpec } from "../../model/shapes/dataset.js";
import { encodePng } from "../../src/engine/png.js";
import type { ClipFrames } from "../judge/judge.js";
import type { GoldenClip } from "./golden.js";

const oneShape = (s: ClipSpec) => s.shapes.length === 1;
const isDigit = (kind: string) => /^[0-9]$/.test(kind);

/** What each row shows, in order; the first golden clip matching each (not already taken) fills it. */
export const STRIP_PICKS: readonly { what: string; pick(spec: ClipSpec): boolean }[] = [
  { what: "one shape moving", pick: (s) => oneShape(s) && !isDigit(s.shapes[0]!.kind) && s.shapes[0]!.motion.startsWith("moving") },
  { what: "one shape rotating", pick: (s) => oneShape(s) && !isDigit(s.shapes[0]!.kind) && s.shapes[0]!.motion === "rotating" },
  { what: "one shape growing", pick: (s) => oneShape(s) && !isDigit(s.shapes[0]!.kind) && s.shapes[0]!.motion === "growing" },
  { what: "a digit", pick: (s) => oneShape(s) && isDigit(s.shapes[0]!.kind) },
  { what: "two shapes, one bouncing", pick: (s) => s.shapes.length === 2 && s.shapes.some((x) => x.motion === "bouncing") },
  { what: "three shapes", pick: (s) => s.shapes.length === 3 },
];
export const STRIP_FRAMES = 4;
/** px: between frames of a clip, between the clips of a row, around and between rows */
const GAP = 2, GROUP_GAP = 10, MARGIN = 6;
/** mid grey: no palette colour, so a white or black clip's edge still shows */
const BACKDROP = [136, 136, 136] as const;

/** The strip's prompts: always the same ones for a given golden set, whatever --prompts subsamples. */
export function stripPrompts(golden: readonly GoldenClip[]): { what: string; clip: GoldenClip }[] {
  const taken = new Set<number>();
  return STRIP_PICKS.flatMap(({ what, pick }) => {
    const clip = golden.find((c) => !taken.has(c.index) && pick(c.spec));
    if (!clip) return [];
    taken.add(clip.index);
    return [{ what, clip }];
  });
}

/** `n` frame numbers evenly spread from the first to the last. */
export function stripFrameNumbers(frames: number, n = STRIP_FRAMES): number[] {
  if (n <= 1 || frames <= 1) return [0];
  return Array.from({ length: Math.min(n, frames) }, (_, k) => Math.round((k * (frames - 1)) / (Math.min(n, frames) - 1)));
}

export interface StripGeometry { width: number; height: number; frame: { width: number; height: number }; groups: number; perGroup: number; rows: number }

export function stripGeometry(rows: number, groups: number, frame: { width: number; height: number }, perGroup = STRIP_FRAMES): StripGeometry {
  const groupWidth = perGroup * frame.width + (perGroup - 1) * GAP;
  return {
    width: 2 * MARGIN + groups * groupWidth + (groups - 1) * GROUP_GAP,
    height: 2 * MARGIN + rows * frame.height + (rows - 1) * MARGIN,
    frame, groups, perGroup, rows,
  };
}

/** Top-left corner of frame `k` of group `g` in row `r`. */
export function framePosition(g: StripGeometry, row: number, group: number, k: number): { x: number; y: number } {
  const groupWidth = g.perGroup * g.frame.width + (g.perGroup - 1) * GAP;
  return { x: MARGIN + group * (groupWidth + GROUP_GAP) + k * (g.frame.width + GAP), y: MARGIN + row * (g.frame.height + MARGIN) };
}

/** The strip as raw RGB: rows[r][g] is row r's clip in group g (all clips the same size). */
export function composeStrip(rows: readonly (readonly ClipFrames[])[], perGroup = STRIP_FRAMES): { rgb: Uint8Array; geometry: StripGeometry } {
  const first = rows[0]?.[0];
  if (!first) throw new Error("an empty strip");
  const g = stripGeometry(rows.length, rows[0]!.length, { width: first.width, height: first.height }, perGroup);
  const rgb = new Uint8Array(g.width * g.height * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set(BACKDROP, i);
  rows.forEach((clips, r) => clips.forEach((clip, group) => {
    if (clip.width !== first.width || clip.height !== first.height || clips.length !== g.groups) throw new Error("strip clips differ in size or count");
    stripFrameNumbers(clip.frames, perGroup).forEach((f, k) => {
      const { x, y } = framePosition(g, r, group, k);
      const line = clip.width * 3, frameStart = f * clip.height * line;
      for (let yy = 0; yy < clip.height; yy++) {
        rgb.set(clip.rgb.subarray(frameStart + yy * line, frameStart + (yy + 1) * line), ((y + yy) * g.width + x) * 3);
      }
    });
  }));
  return { rgb, geometry: g };
}

/** Writes the strip to `path` as a PNG; returns its size in pixels and bytes. */
export async function writeStrip(path: string, rows: readonly (readonly ClipFrames[])[], perGroup = STRIP_FRAMES): Promise<{ width: number; height: number; bytes: number }> {
  const { rgb, geometry } = composeStrip(rows, perGroup);
  const png = encodePng(rgb, geometry.width, geometry.height);
  await writeFile(path, png);
  return { width: geometry.width, height: geometry.height, bytes: png.length };
}
