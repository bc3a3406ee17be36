// TensorProtos with raw_data in little-endian order (what ONNX specifies), whatever the host.
import { onnx, dataTypeOf, type ElemType, type OnnxTypes } from "./proto.js";

export type Dims = readonly number[];

function elementCount(dims: Dims): number {
  return dims.reduce((a, b) => a * b, 1);
}

function raw(type: ElemType, values: ArrayLike<number> | ArrayLike<bigint>, n: number): Uint8Array {
  const width = type === "int64" ? 8 : type === "bool" ? 1 : 4;
  const bytes = new Uint8Array(n * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (type === "float32") view.setFloat32(i * 4, Number(v), true);
    else if (type === "int32") view.setInt32(i * 4, Number(v), true);
    else if (type === "int64") view.setBigInt64(i * 8, BigInt(v), true);
    else view.setUint8(i, v ? 1 : 0);
  }
  return bytes;
}

export function tensor(name: string, type: ElemType, dims: Dims, values: ArrayLike<number> | ArrayLike<bigint>): OnnxTypes.TensorProto {
  const n = elementCount(dims);
  if (values.length !== n) throw new Error(`tensor ${name}: ${values.length} values for dims [${dims.join(", ")}]`);
  return onnx.TensorProto.create({ name, dataType: dataTypeOf[type], dims: [...dims], rawData: raw(type, values, n) });
}
