// Run-time shapes: the graphs take dynamic batch, length and video geometry, so reshape targets are
// assembled from Shape/Gather/Div/Concat instead of being baked in.
import type { GraphBuilder } from "./graph.js";

/** Sizes of `x` at `axes`, as a 1-D int64 tensor of length axes.length. */
export function dimsOf(g: GraphBuilder, x: string, ...axes: number[]): string {
  return g.op1("Gather", [g.op1("Shape", [x]), g.ints(...axes)], { axis: 0 });
}

/** int64 [1] divided by a fixed factor (the caller guarantees divisibility). */
export function divDim(g: GraphBuilder, dim: string, factor: number): string {
  return factor === 1 ? dim : g.op1("Div", [dim, g.ints(factor)]);
}

/** Concatenates 1-D int64 pieces (value names) and fixed sizes (numbers) into a shape tensor. */
export function shapeFrom(g: GraphBuilder, ...parts: (string | number)[]): string {
  const pieces = parts.map((p) => (typeof p === "number" ? g.ints(p) : p));
  return g.op1("Concat", pieces, { axis: 0 });
}

export function reshape(g: GraphBuilder, x: string, shape: string | readonly number[]): string {
  return g.op1("Reshape", [x, typeof shape === "string" ? shape : g.ints(...shape)]);
}

/** int64 [1] -> int64 scalar, as Range wants. */
export function toScalar(g: GraphBuilder, dim: string): string {
  return g.op1("Squeeze", [dim, g.ints(0)]);
}

export function unsqueeze(g: GraphBuilder, x: string, ...axes: number[]): string {
  return g.op1("Unsqueeze", [x, g.ints(...axes)]);
}
