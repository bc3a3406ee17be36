// The judge's ceiling of a semantic-channel model (model/shapes/semantic.py): eval/quality/ceiling.ts's figures with
// the latents model/shapes/semantic_train.py ceiling-latents wrote in place of an encoder's (a frame cannot tell its
// own kinds to a 16-channel encoder; the semantic maps come from the golden specs), each found by the sha256 of the
// truth's RGB bytes, which the Python port renders byte for byte as dataset.ts does.
//   node --import tsx model/shapes/semantic-ceiling.ts --model FOLDER --latents DIR [--seconds 2]
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ceilingAt, openAutoencoder } from "../../eval/quality/ceiling.js";
import { loadShapesGolden } from "../../eval/quality/golden.js";

const { values } = parseArgs({ options: { model: { type: "string" }, latents: { type: "string" }, seconds: { type: "string", default: "2" } } });
if (!values.model || !values.latents) throw new Error("--model FOLDER --latents DIR");
const dir = resolve(values.model);
const manifest = JSON.parse(await readFile(join(dir, "model.json"), "utf8")) as { vae: { file: string } };
const ae = await openAutoencoder(dir, manifest.vae.file); // (the encoder slot is never run: encode is replaced below)
const oracle = {
  ...ae,
  async encode(rgb: Uint8Array) {
    const name = createHash("sha256").update(rgb).digest("hex");
    const dims = JSON.parse(await readFile(join(values.latents!, `${name}.json`), "utf8")) as number[];
    const bytes = await readFile(join(values.latents!, `${name}.f32`));
    return { data: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), dims };
  },
};
const f = await ceilingAt(oracle, loadShapesGolden().clips, Number(values.seconds), null);
const a = f.alignment;
console.log(JSON.stringify({ seconds: f.seconds, accuracy: a.accuracy, score: a.score, attributes: a.attributes, digits: a.digits,
  multiShape: f.multiShape, flicker: f.flicker, smoothness: f.smoothness, kind: a.breakdown.kind, wallSeconds: f.wallSeconds }));
await ae.release();
