// A graph under construction: nodes in the order they are added (already topological, since an op can
// only take values that exist), initializers in creation order, names made unique with a counter.
// No clocks and no randomness outside the seeded weights, so one build always gives the same bytes.
import { attributes, type Attrs } from "./attributes.js";
import { onnx, dataTypeOf, type ElemType, type OnnxTypes } from "./proto.js";
import { uniformWeights } from "./random.js";
import { tensor, type Dims } from "./tensor.js";

/** A fixed size, or a symbolic name for a size known only at run time. */
export type DimSpec = number | string;

export interface OpOptions {
  /** "" (the default ONNX domain) or e.g. "com.microsoft" */
  domain?: string;
  /** how many outputs the node has (default 1) */
  outputs?: number;
}

export function valueInfo(name: string, type: ElemType, dims: readonly DimSpec[]): OnnxTypes.ValueInfoProto {
  const dim = dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: dataTypeOf[type], shape: { dim } } } });
}

export class GraphBuilder {
  readonly nodes: OnnxTypes.NodeProto[] = [];
  readonly initializers: OnnxTypes.TensorProto[] = [];
  readonly inputs: OnnxTypes.ValueInfoProto[] = [];
  readonly outputs: OnnxTypes.ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly scopes: string[] = [];
  private nodeCount = 0;

  /** `seed` feeds every weight of this graph (see random.ts). */
  constructor(readonly name: string, readonly seed: number) {}

  /** Runs `fn` with `scope` prefixed to the names it creates ("block0/attn/..."), for readable graphs. */
  scoped<T>(scope: string, fn: () => T): T {
    this.scopes.push(scope);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** A value name not used yet, under the current scope. */
  fresh(base: string): string {
    const stem = [...this.scopes, base].join("/");
    let name = stem;
    for (let i = 1; this.names.has(name); i++) name = `${stem}_${i}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate graph name ${name}`);
    this.names.add(name);
    return name;
  }

  input(name: string, type: ElemType, dims: readonly DimSpec[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares `value` a graph output called `name` (through an Identity when the names differ). */
  output(value: string, name: string, type: ElemType, dims: readonly DimSpec[]): void {
    if (value !== name) this.node("Identity", [value], [this.claim(name)]);
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(base: string, type: ElemType, dims: Dims, values: ArrayLike<number> | ArrayLike<bigint>): string {
    const name = this.fresh(base);
    this.initializers.push(tensor(name, type, dims, values));
    return name;
  }

  /** A seeded weight, uniform with standard deviation `std`; its values depend only on (seed, name). */
  weight(base: string, dims: Dims, std: number): string {
    const name = this.fresh(base);
    const values = uniformWeights(this.seed, name, dims.reduce((a, b) => a * b, 1), std);
    this.initializers.push(tensor(name, "float32", dims, values));
    return name;
  }

  /** A small constant, shared by every use of the same (type, dims, values). */
  constant(type: ElemType, values: readonly number[], dims: Dims = [values.length]): string {
    const key = `${type}[${dims.join(",")}]:${values.map((v) => (Number.isNaN(v) ? "nan" : String(v))).join(",")}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.claim(`const/${type}_${this.constants.size}`);
    this.initializers.push(tensor(name, type, dims, values));
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar (rank 0), e.g. for broadcasting. */
  scalar(value: number): string {
    return this.constant("float32", [value], []);
  }

  /** A 1-D int64 tensor: shapes, axes, indices. */
  ints(...values: number[]): string {
    return this.constant("int64", values);
  }

  private node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs?: Attrs, domain = ""): void {
    const name = `${[...this.scopes, opType].join("/")}#${this.nodeCount++}`;
    this.nodes.push(onnx.NodeProto.create({ name, opType, domain, input: [...inputs], output: [...outputs], attribute: attributes(attrs) }));
  }

  /** Adds a node; returns its output names. An empty input name ("") skips an optional input. */
  op(opType: string, inputs: readonly string[], attrs?: Attrs, options: OpOptions = {}): string[] {
    const count = options.outputs ?? 1;
    const outs = Array.from({ length: count }, (_, i) => this.fresh(count === 1 ? opType : `${opType}:${i}`));
    this.node(opType, inputs, outs, attrs, options.domain);
    return outs;
  }

  /** A single-output node. */
  op1(opType: string, inputs: readonly string[], attrs?: Attrs, options: Omit<OpOptions, "outputs"> = {}): string {
    return this.op(opType, inputs, attrs, options)[0]!;
  }
}
