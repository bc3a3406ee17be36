// How well a caption explains a clean latent, in the DiT's own terms: the implicit classifier of a diffusion model,
// sum over re-noising times t of L_uncond - L_cond, the flow losses (velocity target noise - x0) of the latent noised
// to t, predicted without and with the caption. Larger: the caption accounts for more of the clip than no caption
// does. headroom.ts ranks a prompt's candidate clips by it (the search a server could run with nothing but the model).
import type { Geometry } from "../../src/engine/geometry.js";
import { initialNoise, latentSize } from "../../src/engine/denoise.js";
import { Rng } from "../../src/engine/rng.js";
import type { LoadedModel } from "../../src/engine/runtime.js";
import { tokenize } from "../../src/engine/tokenizer.js";

/** spread over the path (an ad hoc check of subsets, low, mid or high only, ranked no better) */
export const FIT_TIMES = [0.2, 0.35, 0.5, 0.65, 0.8, 0.95];

/** One fit per latent. `noiseSeed`: the re-noising draws, shared by every latent of the call, so the fits differ by the
 * latent alone; the caption is encoded and the noise drawn once for all of them. */
export async function promptFits(model: LoadedModel, caption: string, latents: readonly Float32Array[], geometry: Geometry, noiseSeed: number): Promise<number[]> {
  const { manifest } = model, L = manifest.tokenizer.maxLength, size = latentSize(geometry);
  for (const latent of latents) {
    if (latent.length !== size) throw new Error(`a ${latent.length}-value latent for a ${geometry.latent.join("x")} geometry`);
  }
  const ids = new BigInt64Array(2 * L), mask = new Int32Array(2 * L);
  for (const [i, text] of ["", caption].entries()) {
    const t = tokenize(text, manifest.tokenizer);
    ids.set(t.ids, i * L);
    mask.set(t.mask, i * L);
  }
  const text = await model.encodeText(ids, 2);
  const noises = FIT_TIMES.map((_, j) => initialNoise(Rng.fromSeed(noiseSeed * FIT_TIMES.length + j), geometry.latent, manifest.sampler.frameSharedNoise ?? 0));
  const fits: number[] = [];
  for (const latent of latents) {
    let fit = 0;
    for (const [j, t] of FIT_TIMES.entries()) {
      const noise = noises[j]!, batch = new Float32Array(2 * size);
      for (let i = 0; i < size; i++) batch[i] = batch[size + i] = (1 - t) * latent[i]! + t * noise[i]!;
      const out = (await model.denoise({ data: batch, dims: [2, ...geometry.latent] }, new Float32Array([t, t]), text, mask)).data;
      for (let i = 0; i < size; i++) {
        const target = noise[i]! - latent[i]!, u = out[i]! - target, c = out[size + i]! - target;
        fit += (u * u - c * c) / size;
      }
    }
    fits.push(fit);
  }
  return fits;
}
