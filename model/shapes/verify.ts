// Parity check of an exported kinema-shapes folder in onnxruntime-node: loads it through the engine
// (manifest schema + sha256 of every file), then runs each ONNX file on the reference inputs written by
// model/shapes/export.py and compares with the torch outputs. Prints one JSON line: max abs error per file.
//   node --import tsx model/shapes/verify.ts models/kinema-shapes /tmp/kinema-shapes-work/verify.json
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { LoadedModel } from "../../src/engine/runtime.js";

interface Ref { type: "float32" | "int64" | "int32"; dims: number[]; data: number[] }
interface Case { file: string; inputs: Record<string, Ref>; output: Ref }

const [dir, refPath] = process.argv.slice(2);
if (!dir || !refPath) throw new Error("usage: verify.ts <model dir> <verify.json>");
const model = await LoadedModel.load(dir, "cpu");
await model.release();

const cases = JSON.parse(readFileSync(refPath, "utf8")) as Case[];
const worst: Record<string, number> = {};
const sessions = new Map<string, ort.InferenceSession>();
for (const c of cases) {
  if (!sessions.has(c.file)) sessions.set(c.file, await ort.InferenceSession.create(join(dir, c.file)));
  const session = sessions.get(c.file)!;
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, r] of Object.entries(c.inputs)) {
    const data = r.type === "int64" ? BigInt64Array.from(r.data.map(BigInt)) : r.type === "int32" ? Int32Array.from(r.data) : Float32Array.from(r.data);
    feeds[name] = new ort.Tensor(r.type, data, r.dims);
  }
  const result = await session.run(feeds);
  const out = result[session.outputNames[0]!]!;
  if (out.dims.join("x") !== c.output.dims.join("x")) throw new Error(`${c.file}: dims ${out.dims.join("x")}, expected ${c.output.dims.join("x")}`);
  const data = out.data as Float32Array;
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]! - c.output.data[i]!));
  const key = `${c.file} ${c.output.dims.join("x")}`;
  worst[key] = Math.max(worst[key] ?? 0, max);
}
for (const s of sessions.values()) await s.release();
const bad = Object.entries(worst).filter(([, v]) => !(v < 1e-3));
console.log(JSON.stringify(worst));
if (bad.length) {
  console.error(`parity failed: ${bad.map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  process.exit(1);
}
