// The clip judge (eval/judge) validated on clips whose truth is known: rendered kinema-shapes clips
// must be read right (clean, blurred + noisy, down- and up-scaled, other sizes and frame counts),
// while noise, flat colour and clips of another spec must score low, and a wrong colour or motion in
// the spec must be caught. The measured figures are logged so a regression shows its size.
import { describe, expect, it } from "vitest";
import {
  COLOR_NAMES, DIGITS, MOTIONS, PALETTE, inside, renderClip, rngFor, sampleClip, type ClipSpec, type RenderSize,
} from "../model/shapes/dataset.js";
import { judgeClip, nearestPaletteColor, readDigit, type ClipFrames, type Judgement } from "../eval/judge/judge.js";
import { cpuMsSince, cpuNow } from "./helpers/cpu-time.js";

const SIZE: RenderSize = { width: 112, height: 64, frames: 16 };
const N = 200;
const specs: ClipSpec[] = Array.from({ length: N }, (_, i) => sampleClip(2_000_000_000 + i));
const render = (spec: ClipSpec, size: RenderSize = SIZE): ClipFrames => ({ rgb: renderClip(spec, size), ...size });
const clean = specs.map((s) => render(s));
/** Degraded runs use the first DEGRADED clips: enough shapes (~170, ~40 digits) to show a rate. */
const DEGRADED = 120;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
let cleanJudgements: Judgement[] | undefined;
let cleanMs = 0;
/** The clean clips judged once (timed), shared by the tests that need the right-spec verdicts. */
function judgedClean(): Judgement[] {
  if (!cleanJudgements) {
    const cpu = cpuNow(); // CPU time: the wall clock would also count the wait for a core on a loaded machine
    cleanJudgements = clean.map((c, i) => judgeClip(c, specs[i]!));
    cleanMs = cpuMsSince(cpu) / N;
  }
  return cleanJudgements;
}

// Roughly gaussian unit noise (sum of four uniforms), drawn once: each clip reads it from its own
// offset, which keeps the degraded runs deterministic without millions of PRNG calls per clip.
const NOISE = (() => {
  const rand = rngFor(7, 7);
  return Float32Array.from({ length: 1 << 16 }, () => (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3));
})();

/** 3x3 box blur (separable; edges average the neighbours they have) plus deterministic noise. */
function blurNoise(c: ClipFrames, sigma: number, seed: number): ClipFrames {
  const { width: W, height: H, frames: F, rgb } = c;
  const out = new Uint8Array(rgb.length), rows = new Float32Array(W * H * 3);
  let k = (seed * 7919) & 0xffff;
  for (let f = 0; f < F; f++) {
    const base = f * W * H * 3;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const lo = Math.max(0, x - 1), hi = Math.min(W - 1, x + 1);
      for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        for (let xx = lo; xx <= hi; xx++) sum += rgb[base + (y * W + xx) * 3 + ch]!;
        rows[(y * W + x) * 3 + ch] = sum / (hi - lo + 1);
      }
    }
    for (let y = 0; y < H; y++) {
      const lo = Math.max(0, y - 1), hi = Math.min(H - 1, y + 1);
      for (let i = y * W * 3; i < (y + 1) * W * 3; i++) {
        let sum = 0;
        for (let yy = lo; yy <= hi; yy++) sum += rows[i + (yy - y) * W * 3]!;
        k = (k + 1) & 0xffff;
        out[base + i] = Math.max(0, Math.min(255, Math.round(sum / (hi - lo + 1) + NOISE[k]! * sigma)));
      }
    }
  }
  return { ...c, rgb: out };
}

/** Bilinear resize (pixel-centre aligned), as an image pipeline would scale frames. */
function resize(c: ClipFrames, W2: number, H2: number): ClipFrames {
  const { width: W, height: H, frames: F, rgb } = c;
  const out = new Uint8Array(F * W2 * H2 * 3);
  for (let f = 0; f < F; f++) for (let y = 0; y < H2; y++) {
    const sy = Math.min(H - 1, Math.max(0, ((y + 0.5) * H) / H2 - 0.5));
    const y0 = Math.floor(sy), y1 = Math.min(H - 1, y0 + 1), ay = sy - y0;
    for (let x = 0; x < W2; x++) {
      const sx = Math.min(W - 1, Math.max(0, ((x + 0.5) * W) / W2 - 0.5));
      const x0 = Math.floor(sx), x1 = Math.min(W - 1, x0 + 1), ax = sx - x0;
      const a = ((f * H + y0) * W + x0) * 3, b = ((f * H + y0) * W + x1) * 3;
      const cc = ((f * H + y1) * W + x0) * 3, d = ((f * H + y1) * W + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = (1 - ax) * rgb[a + ch]! + ax * rgb[b + ch]!, bottom = (1 - ax) * rgb[cc + ch]! + ax * rgb[d + ch]!;
        out[((f * H2 + y) * W2 + x) * 3 + ch] = Math.round((1 - ay) * top + ay * bottom);
      }
    }
  }
  return { rgb: out, width: W2, height: H2, frames: F };
}

interface Summary { accuracy: number; background: number; color: number; kind: number; motion: number; digits: number }

function summarise(js: Judgement[]): Summary {
  const shapes = js.flatMap((j) => j.shapes), digits = js.flatMap((j) => j.digits);
  const rate = <T>(xs: T[], ok: (x: T) => boolean) => (xs.length === 0 ? 1 : xs.filter(ok).length / xs.length);
  return {
    accuracy: js.reduce((s, j) => s + j.accuracy, 0) / js.length,
    background: rate(js, (j) => j.backgroundOk),
    color: rate(shapes, (s) => s.colorOk),
    kind: rate(shapes, (s) => s.kindOk),
    motion: rate(shapes, (s) => s.motionOk),
    digits: rate(digits, (d) => d.read === d.expected),
  };
}

const show = (label: string, s: Summary) =>
  console.log(`judge ${label}: ${Object.entries(s).map(([k, v]) => `${k}=${(v as number).toFixed(3)}`).join(" ")}`);

function expectReads(label: string, js: Judgement[], min: Summary): void {
  const s = summarise(js);
  show(label, s);
  for (const key of Object.keys(min) as (keyof Summary)[]) expect(s[key], `${label} ${key}`).toBeGreaterThanOrEqual(min[key]);
}

describe("judge on rendered clips", () => {
  it("reads clean 112x64x16 clips: accuracy >= 0.99, every attribute >= 0.98, digits >= 0.95", () => {
    const js = judgedClean();
    console.log(`judge speed: ${cleanMs.toFixed(1)} ms of CPU per 112x64x16 clip (first calls included)`);
    expect(cleanMs).toBeLessThan(50);
    expectReads("clean", js, { accuracy: 0.99, background: 0.98, color: 0.98, kind: 0.98, motion: 0.98, digits: 0.95 });
    // a sanity check on the digit sample itself: the dataset puts a digit in ~1 shape of 5
    expect(js.flatMap((j) => j.digits).length).toBeGreaterThan(40);
  });

  it("reads blurred + noisy clips (3x3 box, sigma 12, 120 clips): accuracy >= 0.97, attributes >= 0.95, digits >= 0.9", () => {
    const js = clean.slice(0, DEGRADED).map((c, i) => judgeClip(blurNoise(c, 12, i), specs[i]!));
    expectReads("blur+noise", js, { accuracy: 0.97, background: 0.95, color: 0.95, kind: 0.95, motion: 0.95, digits: 0.9 });
  });

  it("reads clips downscaled to 56x32 and back up (120 clips): accuracy >= 0.97, attributes >= 0.95, digits >= 0.9", () => {
    const js = clean.slice(0, DEGRADED).map((c, i) => judgeClip(resize(resize(c, 56, 32), 112, 64), specs[i]!));
    expectReads("down+up", js, { accuracy: 0.97, background: 0.95, color: 0.95, kind: 0.95, motion: 0.95, digits: 0.9 });
  });

  it("reads other sizes and frame counts (56x32x16, 224x128x16, 112x64x4, 112x64x32): accuracy >= 0.95", () => {
    const few = specs.slice(0, 30);
    const cases: [string, (s: ClipSpec, i: number) => ClipFrames][] = [
      ["56x32x16 (scaled)", (s, i) => resize(clean[i]!, 56, 32)],
      ["224x128x16 (scaled)", (s, i) => resize(clean[i]!, 224, 128)],
      ["112x64x4", (s) => render(s, { ...SIZE, frames: 4 })],
      ["112x64x32", (s) => render(s, { ...SIZE, frames: 32 })],
    ];
    for (const [label, make] of cases) {
      const js = few.map((s, i) => judgeClip(make(s, i), s));
      expectReads(label, js, { accuracy: 0.95, background: 0.95, color: 0.9, kind: 0.9, motion: 0.9, digits: 0.8 });
    }
  });

  it("is deterministic", () => {
    expect(judgeClip(blurNoise(clean[3]!, 12, 3), specs[3]!)).toEqual(judgeClip(blurNoise(clean[3]!, 12, 3), specs[3]!));
  });
});

describe("judge rejects wrong content", () => {
  it("scores noise clips and flat-colour clips <= 0.3", () => {
    const noise = specs.slice(0, 30).map((spec, i) => {
      const rand = rngFor(i, 3);
      const rgb = new Uint8Array(SIZE.width * SIZE.height * SIZE.frames * 3);
      for (let k = 0; k < rgb.length; k++) rgb[k] = Math.floor(rand() * 256);
      return judgeClip({ rgb, ...SIZE }, spec).accuracy;
    });
    const flat = COLOR_NAMES.flatMap((c) => specs.slice(0, 10).map((spec) => {
      const rgb = new Uint8Array(SIZE.width * SIZE.height * SIZE.frames * 3);
      for (let k = 0; k < rgb.length; k += 3) rgb.set(PALETTE[c], k);
      return judgeClip({ rgb, ...SIZE }, spec).accuracy;
    }));
    console.log(`judge noise: accuracy=${mean(noise).toFixed(3)}; flat colour: accuracy=${mean(flat).toFixed(3)}`);
    expect(mean(noise)).toBeLessThanOrEqual(0.3);
    expect(mean(flat)).toBeLessThanOrEqual(0.3);
  });

  it("scores a clip of another spec far below the right one", () => {
    const right = judgedClean().map((j) => j.accuracy);
    const wrong = clean.map((c, i) => judgeClip(c, specs[(i + 1) % N]!).accuracy);
    console.log(`judge other spec: accuracy=${mean(wrong).toFixed(3)} (right spec ${mean(right).toFixed(3)})`);
    expect(mean(wrong)).toBeLessThan(0.3);
    expect(mean(right) - mean(wrong)).toBeGreaterThan(0.6);
  });

  it("catches a wrong motion: moving left judged as moving right, and every other swap", () => {
    const i = specs.findIndex((s) => s.shapes.length === 1 && s.shapes[0]!.motion === "moving left");
    const spec = specs[i]!;
    const asRight = judgeClip(clean[i]!, { ...spec, shapes: [{ ...spec.shapes[0]!, motion: "moving right" }] });
    expect(asRight.shapes[0]!.motionOk).toBe(false);
    expect(asRight.shapes[0]!.motion).toBe("moving left");
    let caught = 0, swaps = 0;
    specs.slice(0, 20).forEach((s, k) => {
      for (const m of MOTIONS.filter((m) => m !== s.shapes[0]!.motion)) {
        const j = judgeClip(clean[k]!, { ...s, shapes: [{ ...s.shapes[0]!, motion: m }, ...s.shapes.slice(1)] });
        swaps++;
        if (!j.shapes[0]!.motionOk) caught++;
      }
    });
    console.log(`judge motion swaps caught: ${caught}/${swaps}`);
    expect(caught / swaps).toBeGreaterThanOrEqual(0.97);
  });

  it("does not find a colour that is not in the clip", () => {
    let found = 0, asked = 0;
    specs.slice(0, 40).forEach((s, k) => {
      for (const c of COLOR_NAMES.filter((c) => c !== s.background && !s.shapes.some((x) => x.color === c))) {
        asked++;
        if (judgeClip(clean[k]!, { ...s, shapes: [{ ...s.shapes[0]!, color: c }] }).shapes[0]!.found) found++;
      }
    });
    console.log(`judge absent colours found: ${found}/${asked}`);
    expect(found / asked).toBeLessThanOrEqual(0.03);
  });
});

describe("judge helpers", () => {
  it("nearestPaletteColor names palette colours and refuses far ones", () => {
    for (const c of COLOR_NAMES) expect(nearestPaletteColor(PALETTE[c][0], PALETTE[c][1], PALETTE[c][2])).toBe(c);
    expect(nearestPaletteColor(230, 50, 45)).toBe("red");
    expect(nearestPaletteColor(128, 128, 128)).toBeNull();
  });

  it("readDigit reads each glyph drawn with the dataset's shapes at several sizes", () => {
    for (const r of [5, 6, 8, 9, 14]) {
      const W = Math.ceil(4 * r), H = Math.ceil(3 * r);
      for (const d of DIGITS) {
        const mask = new Uint8Array(W * H);
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) mask[y * W + x] = inside(d, (x + 0.5 - W / 2) / r, (y + 0.5 - H / 2) / r) ? 1 : 0;
        expect(readDigit(mask, W, H), `digit ${d} at radius ${r}`).toBe(d);
      }
      expect(readDigit(new Uint8Array(W * H), W, H)).toBeNull();
    }
  });
});
