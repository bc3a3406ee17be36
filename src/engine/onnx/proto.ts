// onnx-proto is CommonJS: Node's ESM loader only exposes its `module.exports` as the default export,
// so the namespace is taken from there; the types come from its declarations.
import onnxProto from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";

export const onnx = onnxProto.onnx;
export type { OnnxTypes };

export const DataType = onnx.TensorProto.DataType;
/** The tensor element types this layer builds. */
export type ElemType = "float32" | "int64" | "int32" | "bool";

export const dataTypeOf: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
};
