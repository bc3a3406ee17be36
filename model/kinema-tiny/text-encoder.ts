// Text encoder: byte tokens int64 [B, L] -> embeddings float32 [B, L, 64]. Token embedding plus
// sinusoidal positions, two pre-LN transformer blocks, a final LayerNorm. Padding (id 0) is masked out
// of the keys, so a prompt's embeddings do not depend on how much padding follows it.
import { GraphBuilder, dataTypeOf, encodeModel, hashSeed, layerNorm, mlp, selfAttention, sinusoidal, dimsOf, toScalar } from "../../src/engine/onnx/index.js";
import { SEED, TEXT, TOKENIZER, VERSION } from "./config.js";

export function buildTextEncoder(): Uint8Array {
  const g = new GraphBuilder("kinema_tiny_text_encoder", hashSeed(SEED, "text_encoder"));
  const d = TEXT.hidden;
  const ids = g.input(TEXT.input, "int64", ["batch", "text_len"]);

  let x = g.scoped("embed", () => g.op1("Gather", [g.weight("weight", [TOKENIZER.vocabSize, d], 1), ids], { axis: 0 }));
  x = g.scoped("pos", () => {
    const len = toScalar(g, dimsOf(g, ids, 1));
    const steps = g.op1("Range", [g.constant("int64", [0], []), len, g.constant("int64", [1], [])]);
    return g.op1("Add", [x, sinusoidal(g, g.op1("Cast", [steps], { to: dataTypeOf.float32 }), d)]);
  });
  // 1 for tokens, 0 for padding: MultiHeadAttention's int32 key padding mask.
  const mask = g.op1("Cast", [g.op1("Not", [g.op1("Equal", [ids, g.constant("int64", [TOKENIZER.padId], [])])])], { to: dataTypeOf.int32 });

  for (let i = 0; i < TEXT.depth; i++) {
    x = g.scoped(`block${i}`, () => {
      const a = g.scoped("norm1", () => layerNorm(g, x, d, true));
      const y = g.op1("Add", [x, selfAttention(g, a, d, TEXT.heads, mask)]);
      const m = g.scoped("norm2", () => layerNorm(g, y, d, true));
      return g.op1("Add", [y, mlp(g, m, d, d * TEXT.mlpRatio)]);
    });
  }
  const out = g.scoped("final_norm", () => layerNorm(g, x, d, true));
  g.output(out, TEXT.output, "float32", ["batch", "text_len", d]);
  return encodeModel(g, {
    producerVersion: VERSION,
    docString: "kinema-tiny text encoder: seeded, untrained weights.",
  });
}
