// Level 2 per duration and the side-by-side strip (eval/quality/durations.ts, strip.ts, targets.ts): a
// prompt re-timed to 1, 4 and 10 s, the truth judged fully right and perfectly smooth at every length, a
// frozen clip missing the motion target with a velocity error, and the strip's PNG laid out as documented.
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { manifestSchema } from "../src/engine/manifest.js";
import type { ClipFrames } from "../eval/judge/judge.js";
import { durationFigures, geometryAt, scoreAgainstTruth, truthFor } from "../eval/quality/durations.js";
import { loadShapesGolden } from "../eval/quality/golden.js";
import { composeStrip, framePosition, STRIP_PICKS, stripFrameNumbers, stripPrompts, writeStrip } from "../eval/quality/strip.js";
import { TARGETS } from "../eval/quality/targets.js";

const golden = loadShapesGolden().clips;
const ref = { dir: "-", id: "test", version: "0", hash: "0" };
/** every frame replaced by the first: what a model that cannot move draws */
const frozen = (c: ClipFrames): ClipFrames => {
  const plane = c.width * c.height * 3, rgb = new Uint8Array(c.rgb.length);
  for (let f = 0; f < c.frames; f++) rgb.set(c.rgb.subarray(0, plane), f * plane);
  return { ...c, rgb };
};

describe("level 2 per duration", () => {
  it("asks the engine for 8 frames a second of kinema-shapes at 1, 4 and 10 s", () => {
    const manifest = manifestSchema.parse(JSON.parse(readFileSync("models/kinema-shapes/model.json", "utf8")));
    for (const s of [1, 4, 10]) expect(geometryAt(manifest, s)).toMatchObject({ frames: 8 * s, width: 112, height: 64, fps: 8 });
  });

  it("reads the re-timed truth fully right and smooth, and a frozen clip as missing motion", () => {
    // the first sideways one-shape prompt, and the first three-shape prompt with a digit
    const picks = [golden.find((c) => c.spec.shapes.length === 1 && /moving (left|right)/.test(c.spec.shapes[0]!.motion))!,
      golden.find((c) => c.spec.shapes.length === 3 && c.spec.shapes.some((s) => /^[0-9]$/.test(s.kind)))!];
    for (const seconds of [1, 4, 10]) {
      const size = { width: 112, height: 64, frames: 8 * seconds };
      const truths = picks.map((g) => truthFor(g, size));
      expect(truths.map((t) => t.rgb.length)).toEqual(picks.map(() => 112 * 64 * 3 * 8 * seconds));
      const perfect = durationFigures(ref, seconds, size.frames, 30, truths.map((t, i) => scoreAgainstTruth(t, picks[i]!, 0)), 0);
      expect(perfect.alignment.accuracy).toBe(1);
      expect(perfect.smoothness.velocityErrorPx).toBe(0);
      expect(perfect.flicker.generated).toBe(perfect.flicker.truth);
      expect(perfect.multiShape).toEqual({ clips: 1, fullyRight: 1, share: 1 });
      expect(Object.values(perfect.cleared).every(Boolean)).toBe(true);

      const still = durationFigures(ref, seconds, size.frames, 30, truths.map((t, i) => scoreAgainstTruth(frozen(t), picks[i]!, 0)), 0);
      expect(still.alignment.attributes.motion).toBeLessThan(TARGETS.motion);
      expect(still.cleared.motion).toBe(false);
      expect(still.multiShape.fullyRight).toBe(0);
      // standing still costs the truth's own per-frame motion: ~0.3 px/frame at 10 s, more when shorter
      expect(still.smoothness.velocityErrorPx).toBeGreaterThan(0.2);
      expect(still.flicker.generated).toBe(0);
    }
  });
});

describe("the side-by-side strip", () => {
  it("picks the same six kinds of prompt every time, each once", () => {
    const rows = stripPrompts(golden);
    expect(rows.map((r) => r.what)).toEqual(STRIP_PICKS.map((p) => p.what));
    expect(new Set(rows.map((r) => r.clip.index)).size).toBe(rows.length);
    rows.forEach((r, i) => expect(STRIP_PICKS[i]!.pick(r.clip.spec)).toBe(true));
    expect(stripPrompts(golden.slice().reverse()).map((r) => r.what)).toEqual(rows.map((r) => r.what));
  });

  it("places each clip's evenly spread frames where the layout says, in a PNG of that size", async () => {
    // clip (row r, group g) frame f is one flat colour, so every placed pixel says where it came from
    const clip = (r: number, g: number): ClipFrames => {
      const frames = 16, rgb = new Uint8Array(8 * 6 * 3 * frames);
      for (let f = 0; f < frames; f++) for (let p = 0; p < 8 * 6; p++) rgb.set([r * 40 + 1, g * 60 + 2, f * 10 + 3], (f * 48 + p) * 3);
      return { rgb, width: 8, height: 6, frames };
    };
    const rows = [0, 1].map((r) => [0, 1, 2].map((g) => clip(r, g)));
    expect(stripFrameNumbers(16)).toEqual([0, 5, 10, 15]);
    const { rgb, geometry } = composeStrip(rows);
    // by hand: 6 px margins, 4 frames of 8 px with 2 px gaps (38 px a clip), 10 px between clips, 6 px between rows
    expect([geometry.width, geometry.height]).toEqual([6 + 3 * 38 + 2 * 10 + 6, 6 + 6 + 6 + 6 + 6]);
    expect(framePosition(geometry, 1, 2, 3)).toEqual({ x: 6 + 2 * 48 + 3 * 10, y: 18 });
    const at = (x: number, y: number) => [...rgb.subarray((y * geometry.width + x) * 3, (y * geometry.width + x) * 3 + 3)];
    expect(at(6 + 8, 6)).toEqual([136, 136, 136]); // the gap after the first frame
    for (const r of [0, 1]) for (const g of [0, 1, 2]) for (const [k, f] of [0, 5, 10, 15].entries()) {
      const { x, y } = framePosition(geometry, r, g, k);
      for (const [dx, dy] of [[0, 0], [7, 5]]) expect([...rgb.subarray(((y + dy!) * geometry.width + x + dx!) * 3, ((y + dy!) * geometry.width + x + dx!) * 3 + 3)]).toEqual([r * 40 + 1, g * 60 + 2, f * 10 + 3]);
    }
    expect(rgb.slice(0, 3)).toEqual(new Uint8Array([136, 136, 136])); // the margin is the backdrop

    const dir = await mkdtemp(join(tmpdir(), "kinema-strip-"));
    try {
      const written = await writeStrip(join(dir, "strip.png"), rows);
      const png = await readFile(join(dir, "strip.png"));
      expect(written).toEqual({ width: geometry.width, height: geometry.height, bytes: png.length });
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([geometry.width, geometry.height]);
      const idat = png.subarray(png.indexOf("IDAT") + 4, png.length - 16); // before the CRC and IEND
      const raw = inflateSync(idat);
      expect(raw.length).toBe((geometry.width * 3 + 1) * geometry.height);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
