// Node attributes. A JS number cannot say whether it is an int or a float, so integers are the default
// and floats are marked explicitly with float()/floats().
import { onnx, type OnnxTypes } from "./proto.js";

const AttrType = onnx.AttributeProto.AttributeType;

export interface FloatAttr { readonly kind: "float"; readonly value: number }
export interface FloatsAttr { readonly kind: "floats"; readonly value: readonly number[] }
export type AttrValue = number | readonly number[] | string | FloatAttr | FloatsAttr | OnnxTypes.TensorProto;
export type Attrs = Record<string, AttrValue>;

export const float = (value: number): FloatAttr => ({ kind: "float", value });
export const floats = (value: readonly number[]): FloatsAttr => ({ kind: "floats", value });

function attribute(name: string, v: AttrValue): OnnxTypes.AttributeProto {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; use float()`);
    return onnx.AttributeProto.create({ name, type: AttrType.INT, i: v });
  }
  if (typeof v === "string") return onnx.AttributeProto.create({ name, type: AttrType.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: AttrType.INTS, ints: [...(v as number[])] });
  if (v instanceof onnx.TensorProto) return onnx.AttributeProto.create({ name, type: AttrType.TENSOR, t: v });
  const tagged = v as FloatAttr | FloatsAttr;
  if (tagged.kind === "float") return onnx.AttributeProto.create({ name, type: AttrType.FLOAT, f: tagged.value });
  return onnx.AttributeProto.create({ name, type: AttrType.FLOATS, floats: [...tagged.value] });
}

/** Attributes sorted by name, so the bytes never depend on object key order. */
export function attributes(attrs: Attrs | undefined): OnnxTypes.AttributeProto[] {
  if (!attrs) return [];
  return Object.keys(attrs).sort().map((k) => attribute(k, attrs[k]!));
}
