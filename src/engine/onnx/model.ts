// Serialises a graph into a ModelProto. IR 8 is what onnx-proto@8 describes; opset 17 has
// LayerNormalization, and the com.microsoft domain carries the fused ORT ops (MultiHeadAttention, FastGelu).
import type { GraphBuilder } from "./graph.js";
import { onnx } from "./proto.js";

export const IR_VERSION = 8;
export const OPSET_IMPORTS = [
  { domain: "", version: 17 },
  { domain: "com.microsoft", version: 1 },
] as const;

export interface ModelInfo {
  producerVersion: string;
  docString?: string;
  /** free-form key/value pairs stored in the model (sorted by key) */
  metadata?: Record<string, string>;
}

export function encodeModel(graph: GraphBuilder, info: ModelInfo): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: OPSET_IMPORTS.map((o) => onnx.OperatorSetIdProto.create(o)),
    producerName: "kinema",
    producerVersion: info.producerVersion,
    docString: info.docString ?? "",
    metadataProps: Object.keys(info.metadata ?? {}).sort().map((key) => onnx.StringStringEntryProto.create({ key, value: info.metadata![key]! })),
    graph: onnx.GraphProto.create({
      name: graph.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: graph.inputs,
      output: graph.outputs,
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}
