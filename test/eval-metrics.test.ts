// The level-2 quality eval's arithmetic (eval/quality/): the Fréchet distance against cases with known
// answers, flicker, the symmetric eigen-solver it rests on, the baseline gate's pass/fail rule, and the
// per-kind and per-motion breakdown of the judge's verdicts.
import { describe, expect, it } from "vitest";
import { compareWithBaseline, type BaselineData } from "../eval/quality/baseline.js";
import { alignmentOf, breakdownLine, breakdownOf } from "../eval/quality/figures.js";
import type { Judgement, ShapeVerdict } from "../eval/judge/judge.js";
import { flicker, frechetDistance, frechetFromStats, meanAndCovariance, resizeFrames, symmetricEigen } from "../eval/quality/metrics.js";

/** Deterministic standard normals (an LCG through Box-Muller): the test needs no randomness. */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** n samples of a correlated 4-dim Gaussian: x = A z. */
function samples(n: number, seed: number): number[][] {
  const z = normals(seed);
  const A = [[1, 0, 0, 0], [0.5, 1, 0, 0], [0.2, -0.3, 0.8, 0], [0, 0.4, 0.1, 0.6]];
  return Array.from({ length: n }, () => {
    const v = [z(), z(), z(), z()];
    return A.map((row) => row.reduce((sum, a, k) => sum + a * v[k]!, 0));
  });
}

describe("Fréchet distance", () => {
  it("is ~0 between a sample and itself", () => {
    const x = samples(200, 1);
    expect(frechetDistance(x, x)).toBeCloseTo(0, 6);
  });

  it("is the squared shift of the means when the covariances are equal", () => {
    const x = samples(200, 2);
    const shift = [0.5, -1, 2, 0.25];
    const y = x.map((row) => row.map((v, i) => v + shift[i]!));
    const squared = shift.reduce((sum, s) => sum + s * s, 0);
    expect(frechetDistance(x, y)).toBeCloseTo(squared, 6);
  });

  it("matches the closed form for 2x2 covariances that do not commute", () => {
    // for 2x2 SPD matrices, tr (S1 S2)^(1/2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2))
    const s1 = [[2, 1], [1, 2]], s2 = [[1, -0.5], [-0.5, 3]];
    const mu1 = [1, 2], mu2 = [0, 0.5];
    const trProduct = 2 * 1 + 1 * -0.5 + 1 * -0.5 + 2 * 3;
    const det1 = 2 * 2 - 1, det2 = 1 * 3 - 0.25;
    const cross = Math.sqrt(trProduct + 2 * Math.sqrt(det1 * det2));
    const expected = (1 - 0) ** 2 + (2 - 0.5) ** 2 + 4 + 4 - 2 * cross;
    expect(frechetFromStats(mu1, s1, mu2, s2)).toBeCloseTo(expected, 10);
    // and it is symmetric in its two arguments
    expect(frechetFromStats(mu2, s2, mu1, s1)).toBeCloseTo(expected, 10);
  });

  it("grows with a difference in spread alone: N(0, I) vs N(0, 4I) is d (2 - 1)^2", () => {
    const eye = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    expect(frechetFromStats([0, 0, 0], eye, [0, 0, 0], eye.map((r) => r.map((v) => 4 * v)))).toBeCloseTo(3, 10);
  });

  it("estimates the covariance without bias (N - 1)", () => {
    const { mean, cov } = meanAndCovariance([[1, 2], [3, 6]]);
    expect(mean).toEqual([2, 4]);
    expect(cov).toEqual([[2, 4], [4, 8]]);
  });
});

describe("symmetric eigen-decomposition (Jacobi)", () => {
  it("reconstructs the matrix from its eigenpairs", () => {
    const { cov } = meanAndCovariance(samples(50, 3));
    const { values, vectors } = symmetricEigen(cov);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const back = values.reduce((sum, l, k) => sum + vectors[i]![k]! * l * vectors[j]![k]!, 0);
        expect(back).toBeCloseTo(cov[i]![j]!, 10);
      }
    }
  });
});

describe("flicker", () => {
  it("is 0 for a still clip and the mean absolute frame difference otherwise", () => {
    const frame = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const still = new Uint8Array(frame.length * 5);
    for (let f = 0; f < 5; f++) still.set(frame, f * frame.length);
    expect(flicker(still, 5)).toBe(0);
    const blink = new Uint8Array(frame.length * 3);
    blink.fill(255, frame.length, 2 * frame.length); // black, white, black
    expect(flicker(blink, 3)).toBe(1);
  });

  it("resizing keeps a flat colour flat", () => {
    const rgb = new Uint8Array(256 * 144 * 3 * 2);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([40, 90, 225], i);
    const small = resizeFrames(rgb, 256, 144, 2, 112, 64);
    expect(small.length).toBe(112 * 64 * 3 * 2);
    expect(new Set(small).size).toBe(3);
    expect([...small.subarray(0, 3)]).toEqual([40, 90, 225]);
  });
});

describe("baseline gate", () => {
  const run = (scores: number[], violations = 0): BaselineData => ({
    model: { id: "m", version: "1", hash: "h" }, createdAt: "", prompts: scores.length, safety: { violations },
    alignment: { "30": { score: 0, accuracy: 0, perPrompt: Object.fromEntries(scores.map((s, i) => [String(1e9 + i), s])) } },
  });
  const baseline = run([4, 4.2, 3.8, 4]);

  it("passes an unchanged run, an improvement and a drop of 0.3", () => {
    expect(compareWithBaseline(run([4, 4.2, 3.8, 4]), baseline).passed).toBe(true);
    expect(compareWithBaseline(run([5, 5, 5, 5]), baseline).passed).toBe(true);
    expect(compareWithBaseline(run([3.7, 3.9, 3.5, 3.7]), baseline).passed).toBe(true);
  });

  it("fails a mean drop of 0.31", () => {
    const result = compareWithBaseline(run([3.69, 3.89, 3.49, 3.69]), baseline);
    expect(result.passed).toBe(false);
    expect(result.deltas[0]!.drop).toBeCloseTo(0.31, 10);
    expect(result.failures[0]).toMatch(/drop 0\.31 > 0\.3/);
  });

  it("fails on any safety violation, whatever the alignment", () => {
    expect(compareWithBaseline(run([5, 5, 5, 5], 1), baseline).passed).toBe(false);
    expect(compareWithBaseline(run([5, 5, 5, 5], 1), null).passed).toBe(false);
  });

  it("compares a subsampled run on the prompts it shares with the baseline", () => {
    const subset = run([4, 4.2]); // the baseline's first two prompts, unchanged
    const result = compareWithBaseline(subset, baseline);
    expect(result.deltas[0]).toMatchObject({ prompts: 2, drop: 0 });
    expect(result.passed).toBe(true);
  });

  it("passes with a note when there is no baseline yet", () => {
    const result = compareWithBaseline(run([1, 1]), null);
    expect(result.passed).toBe(true);
    expect(result.notes[0]).toMatch(/no baseline/);
  });
});

describe("where kind and motion go wrong", () => {
  const verdict = (kind: string, motion: string, read: { kind?: string | null; motion?: string | null; found?: boolean }): ShapeVerdict => {
    const found = read.found ?? true, k = read.kind === undefined ? kind : read.kind, m = read.motion === undefined ? motion : read.motion;
    return {
      expected: { color: "red", kind, motion } as ShapeVerdict["expected"], found, kind: found ? (k as ShapeVerdict["kind"]) : null,
      motion: found ? (m as ShapeVerdict["motion"]) : null, colorOk: found, kindOk: found && k === kind, motionOk: found && m === motion,
    };
  };
  const shapes = [
    verdict("circle", "static", {}),
    verdict("square", "moving left", { kind: "circle" }),
    verdict("square", "static", {}),
    verdict("triangle", "moving left", { kind: "circle", motion: "static" }),
    verdict("7", "static", { kind: "circle" }),
    verdict("3", "moving left", { found: false }),
    verdict("square", "static", { kind: null, motion: null }),
  ];

  it("tallies right / expected per expected kind (digits pooled) and motion, with what was read instead", () => {
    const b = breakdownOf(shapes);
    expect(b.kind).toEqual({
      circle: { expected: 1, right: 1, misread: {} },
      square: { expected: 3, right: 1, misread: { circle: 1, none: 1 } },
      triangle: { expected: 1, right: 0, misread: { circle: 1 } },
      digit: { expected: 2, right: 0, misread: { circle: 1, none: 1 } },
    });
    expect(b.motion).toEqual({
      static: { expected: 4, right: 3, misread: { none: 1 } },
      "moving left": { expected: 3, right: 1, misread: { static: 1, none: 1 } },
    });
    expect(breakdownLine(b.kind)).toBe("circle 1/1, digit 0/2 (circle 1, none 1), square 1/3 (circle 1, none 1), triangle 0/1 (circle 1)");
  });

  it("sums to the kind and motion shares the report prints", () => {
    const judgement = (part: ShapeVerdict[]): Judgement => ({ background: "blue", backgroundOk: true, shapes: part, accuracy: 0.5, score: 3, digits: [] });
    const a = alignmentOf([judgement(shapes.slice(0, 3)), judgement(shapes.slice(3))]);
    const total = (t: Record<string, { expected: number; right: number }>) =>
      Object.values(t).reduce((sum, x) => ({ right: sum.right + x.right, expected: sum.expected + x.expected }), { right: 0, expected: 0 });
    const kind = total(a.breakdown.kind), motion = total(a.breakdown.motion);
    expect(kind.expected).toBe(shapes.length);
    expect(kind.right / kind.expected).toBeCloseTo(a.attributes.kind, 10);
    expect(motion.right / motion.expected).toBeCloseTo(a.attributes.motion, 10);
    expect(a.attributes.kind).toBeCloseTo(2 / 7, 10);
  });
});
