// The command line of decoder-pairs.ts: training pairs for decoder_dit.py (the DiT's final latent from a clip's
// noised truth, the truth's frames). Prints one JSON line.
//   node --import tsx model/shapes/make-pairs.ts --model DIR --out PREFIX [--count 2000] [--start 0] [--from-step 20]
import { parseArgs } from "node:util";
import { writeDecoderPairs } from "./decoder-pairs.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "models/kinema-shapes" }, count: { type: "string", default: "2000" }, out: { type: "string" },
    start: { type: "string", default: "0" }, "from-step": { type: "string", default: "20" },
  },
});
if (!values.out) throw new Error("--out PREFIX: where the pairs go (PREFIX.lat, .rgb, .json)");
const began = performance.now();
const { accuracies } = await writeDecoderPairs({
  model: values.model!, count: Number(values.count), out: values.out, start: Number(values.start), fromStep: Number(values["from-step"]),
});
console.log(JSON.stringify({ pairs: accuracies.length, meanAccuracy: accuracies.reduce((a, b) => a + b, 0) / accuracies.length, seconds: Math.round((performance.now() - began) / 1000) }));
