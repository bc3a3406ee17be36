// model/shapes/prompt-fit.ts: the DiT's own measure of how well a caption explains a clean latent (headroom.ts's
// pick among a prompt's candidate clips). Each caption fits the clip generated for it better than a clip generated
// for a caption that differs in every attribute; the same inputs give the same figure; a latent of the wrong size is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVAL_JOB } from "../eval/quality/generate.js";
import { promptFits } from "../model/shapes/prompt-fit.js";
import { denoise } from "../src/engine/denoise.js";
import { geometryFor, type Geometry } from "../src/engine/geometry.js";
import { LoadedModel } from "../src/engine/runtime.js";

const SHAPES = "models/kinema-shapes";
const CAPTIONS = ["a red circle moving left on a blue background", "a yellow square moving up on a green background"];
let model: LoadedModel, geometry: Geometry, latents: Float32Array[];

beforeAll(async () => {
  model = await LoadedModel.load(SHAPES, "cpu", 1);
  geometry = geometryFor(EVAL_JOB, model.manifest, "cpu");
  latents = [];
  for (const prompt of CAPTIONS) {
    latents.push(await denoise({
      model, prompt, seed: 1, steps: 30, sampler: model.manifest.sampler.default, guidance: model.manifest.sampler.guidanceScale,
      geometry, async onStep() {},
    }));
  }
}, 120_000);
afterAll(async () => { await model?.release(); });

describe("promptFits", () => {
  it("ranks the clip made for a caption above a clip made for another", async () => {
    for (const [a, b] of [[0, 1], [1, 0]] as const) {
      const [own, other] = await promptFits(model, CAPTIONS[a]!, [latents[a]!, latents[b]!], geometry, 5);
      expect(own).toBeGreaterThan(other!);
      expect(own).toBeGreaterThan(0); // the caption explains its own clip better than no caption
    }
  }, 120_000);

  it("is a function of its inputs, and refuses a latent of another geometry", async () => {
    const [alone] = await promptFits(model, CAPTIONS[0]!, [latents[0]!], geometry, 9);
    expect(await promptFits(model, CAPTIONS[0]!, [latents[0]!], geometry, 9)).toEqual([alone]);
    expect((await promptFits(model, CAPTIONS[0]!, [latents[1]!, latents[0]!], geometry, 9))[1]).toBe(alone); // not its batch-mates'
    await expect(promptFits(model, CAPTIONS[0]!, [latents[0]!, new Float32Array(10)], geometry, 9)).rejects.toThrow(/10-value latent for a \d+x4x8x14 geometry/);
  }, 60_000);
});
