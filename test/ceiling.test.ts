// The judge's ceiling (eval/quality/ceiling.ts) and the centroid-path smoothness figure it reports
// (eval/quality/smoothness.ts): a stepped path reads as jerky and a smooth one does not, the ground truth
// reads 100% through the judge, and the shipped autoencoder's ceiling is what its committed report says.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderClip, type ClipSpec } from "../model/shapes/dataset.js";
import { ceilingAt, openAutoencoder, type Autoencoder } from "../eval/quality/ceiling.js";
import { loadShapesGolden, subsample } from "../eval/quality/golden.js";
import { jerk, pathError, shapePaths, velocityError } from "../eval/quality/smoothness.js";

describe("centroid-path smoothness", () => {
  it("reads a path that steps once every 4 frames as jerky, and the same travel done smoothly as not", () => {
    const smooth = Array.from({ length: 16 }, (_, f) => ({ x: 3 * f, y: 10 }));
    const stepped = Array.from({ length: 16 }, (_, f) => ({ x: 12 * Math.floor(f / 4), y: 10 }));
    const halfSteps = Array.from({ length: 16 }, (_, f) => ({ x: 6 * Math.floor(f / 2), y: 10 }));
    // per-frame motion against the truth's: 3 jumps of 12 and 12 still frames (4.2), 7 of 6 and 8 (3.0), none
    expect(velocityError(stepped, smooth)).toBeCloseTo(4.2, 9);
    expect(velocityError(halfSteps, smooth)).toBeCloseTo(3, 9);
    expect(velocityError(smooth.map((p) => ({ x: p.x + 5, y: p.y - 2 })), smooth)).toBeCloseTo(0, 9); // an offset is not a motion error
    expect(jerk(smooth)).toBeCloseTo(0, 9);
    expect(jerk(stepped)).toBeGreaterThan(5); // a 12 px step every 4 frames: |d2| = 12 twice in 4
    expect(pathError(stepped, smooth).error).toBeCloseTo(4.5, 9); // |12 floor(f/4) - 3f| averages 4.5
    expect(pathError([null, { x: 0, y: 0 }], [{ x: 1, y: 1 }, null]).frames).toBe(0);
  });

  it("finds no difference between a rendered clip and itself", () => {
    const spec: ClipSpec = {
      index: -1, background: "blue", caption: "a red circle moving left on a blue background",
      shapes: [{ kind: "circle", color: "red", motion: "moving left", x: 0.7, y: 0.5, size: 0.15 }],
    };
    const size = { width: 112, height: 64, frames: 16 };
    const clip = { rgb: renderClip(spec, size), ...size };
    const [path] = shapePaths(clip, clip, spec);
    expect(path).toMatchObject({ found: true, frames: 16, errorPx: 0, velocityErrorPx: 0 });
    expect(path!.jerkPx).toBe(path!.truthJerkPx);
    expect(path!.jerkPx).toBeLessThan(1);
  });
});

describe("the judge's ceiling of the shipped autoencoder", () => {
  let ae: Autoencoder;
  beforeAll(async () => { ae = await openAutoencoder("models/kinema-shapes"); });
  afterAll(async () => { await ae.release(); });

  it("judges the ground truth fully right and matches the committed report clip for clip", async () => {
    const report = JSON.parse(readFileSync("eval/reports/ceiling/kinema-shapes-1.3.0/report.json", "utf8")) as {
      model: { files: Record<string, string> };
      durations: { seconds: number; perClip: { index: number; accuracy: number; psnrDb: number }[] }[];
    };
    expect(report.model.files).toEqual(ae.files); // the report was made from these very files
    const clips = subsample(loadShapesGolden().clips, 4);
    for (const seconds of [1, 4]) {
      const figures = await ceilingAt(ae, clips, seconds, null);
      expect(figures.frames).toBe(8 * seconds);
      expect(figures.truth.accuracy).toBe(1);
      const committed = report.durations.find((d) => d.seconds === seconds)!.perClip;
      for (const row of figures.perClip) {
        const then = committed.find((c) => c.index === row.index)!;
        expect(row.accuracy).toBeCloseTo(then.accuracy, 4);
        expect(row.psnrDb).toBeCloseTo(then.psnrDb, 3);
      }
    }
  });

  it("judges 1 s clips made at 16 frames (minGeneratedFrames) against the 8-frame truth, and they read better", async () => {
    // 1.3.0's 4-frame groups hold half of a 1 s clip's motion each; at 16 frames, a quarter (measured on
    // these 8 prompts: accuracy 0.722 -> 0.776, velocity error 4.05 -> 3.28 px a frame)
    const clips = subsample(loadShapesGolden().clips, 8);
    const own = await ceilingAt(ae, clips, 1, null);
    const made16 = await ceilingAt(ae, clips, 1, null, 16);
    expect(own.generatedFrames).toBeUndefined();
    expect(made16).toMatchObject({ frames: 8, generatedFrames: 16 });
    expect(made16.alignment.accuracy).toBeGreaterThan(own.alignment.accuracy);
    expect(made16.smoothness.velocityErrorPx).toBeLessThan(own.smoothness.velocityErrorPx);
  });
});
