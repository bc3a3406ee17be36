// A small layer over onnx-proto for building ONNX graphs from TypeScript, deterministically.
export { float, floats, type AttrValue, type Attrs } from "./attributes.js";
export { GraphBuilder, valueInfo, type DimSpec, type OpOptions } from "./graph.js";
export { crossAttention, layerNorm, linear, mlp, multiHeadAttention, selfAttention, silu, sinusoidal } from "./layers.js";
export { encodeModel, IR_VERSION, OPSET_IMPORTS, type ModelInfo } from "./model.js";
export { dataTypeOf, onnx, type ElemType, type OnnxTypes } from "./proto.js";
export { hashSeed, mulberry32, uniformWeights } from "./random.js";
export { dimsOf, divDim, reshape, shapeFrom, toScalar, unsqueeze } from "./shape.js";
export { tensor, type Dims } from "./tensor.js";
