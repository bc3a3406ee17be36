// model/shapes/decoder-pairs.ts: the pairs a decoder fine-tune learns the DiT's errors from. Each pair's latent is
// the engine's finish from its own clip's truth (close to that truth's encoding, far from another clip's), its frames
// that truth's render; k runs over the low-noise steps in turn; a step outside the grid is refused.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAutoencoder } from "../eval/quality/ceiling.js";
import { freeStepBudget } from "../eval/quality/generate.js";
import { renderClip, sampleClip } from "../model/shapes/dataset.js";
import { writeDecoderPairs } from "../model/shapes/decoder-pairs.js";

const SHAPES = "models/kinema-shapes";
const START = 99_800_000; // held out from training, as probe.ts's clips
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "kinema-pairs-test-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const meanSquare = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0) / a.length;

describe("writeDecoderPairs", () => {
  it("pairs each clip's truth with the engine's finish from it", async () => {
    const out = join(dir, "p");
    const { ks } = await writeDecoderPairs({ model: SHAPES, count: 3, out, start: START, fromStep: 28 });
    expect(ks).toEqual([28, 29, 28]);
    const meta = JSON.parse(await readFile(`${out}.json`, "utf8"));
    const [c, t, h, w] = meta.latent as number[];
    const size = c! * t! * h! * w!, frameBytes = meta.frames * meta.height * meta.width * 3;
    const lat = new Float32Array((await readFile(`${out}.lat`)).buffer.slice(0));
    const rgb = new Uint8Array(await readFile(`${out}.rgb`));
    expect(lat.length).toBe(3 * size);
    expect(rgb.length).toBe(3 * frameBytes);
    const ae = await openAutoencoder(SHAPES);
    try {
      const truths: Float32Array[] = [];
      for (let i = 0; i < 3; i++) {
        const render = renderClip(sampleClip(START + i), { width: meta.width, height: meta.height, frames: meta.frames });
        expect(Buffer.from(rgb.subarray(i * frameBytes, (i + 1) * frameBytes)).equals(Buffer.from(render))).toBe(true);
        truths.push((await ae.encode(render, meta.frames)).data);
      }
      for (let i = 0; i < 3; i++) {
        const latent = lat.subarray(i * size, (i + 1) * size);
        const own = meanSquare(latent, truths[i]!), other = meanSquare(latent, truths[(i + 1) % 3]!);
        expect(own).toBeLessThan(0.5 * other);
      }
    } finally {
      await ae.release();
    }
  }, 120_000);

  it("refuses a step outside the grid's low-noise end, and no pairs", async () => {
    for (const fromStep of [0, freeStepBudget(), 2.5]) {
      await expect(writeDecoderPairs({ model: SHAPES, count: 1, out: join(dir, "x"), start: START, fromStep })).rejects.toThrow(/--from-step/);
    }
    await expect(writeDecoderPairs({ model: SHAPES, count: 0, out: join(dir, "x"), start: START, fromStep: 20 })).rejects.toThrow(/--count/);
  });

  it("samples on the FREE tier's configured budget, as level 2 does", async () => {
    const before = process.env.KINEMA_FREE_STEPS;
    process.env.KINEMA_FREE_STEPS = "20";
    try {
      expect(freeStepBudget()).toBe(20);
      await expect(writeDecoderPairs({ model: SHAPES, count: 1, out: join(dir, "y"), start: START, fromStep: 25 })).rejects.toThrow(/1\.\.19/);
    } finally {
      if (before === undefined) delete process.env.KINEMA_FREE_STEPS;
      else process.env.KINEMA_FREE_STEPS = before;
    }
  });
});
