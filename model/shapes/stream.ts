// Streams kinema-shapes clips to stdout for the training script (model/shapes/train.py): per clip, a
// JSON header line, then frames*height*width*3 RGB bytes. The Python side never renders, so the
// training data and the eval's reference clips come from the same code.
//   node --import tsx model/shapes/stream.ts --start 0 --count 1000 --frames 8,16,24 --width 112 --height 64
import { parseArgs } from "node:util";
import { renderClip, sampleClip } from "./dataset.js";

const { values } = parseArgs({
  options: {
    start: { type: "string", default: "0" },
    count: { type: "string", default: "1000" },
    frames: { type: "string", default: "16" },
    width: { type: "string", default: "112" },
    height: { type: "string", default: "64" },
  },
});
const start = Number(values.start), count = Number(values.count);
const frameCycle = values.frames.split(",").map(Number);
const width = Number(values.width), height = Number(values.height);
if (![start, count, width, height, ...frameCycle].every((n) => Number.isInteger(n) && n >= 0)) {
  throw new Error("--start, --count, --frames, --width and --height take non-negative integers");
}

async function write(chunk: Uint8Array | string): Promise<void> {
  if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once("drain", resolve));
}

for (let index = start; index < start + count; index++) {
  const spec = sampleClip(index);
  const frames = frameCycle[index % frameCycle.length]!;
  await write(`${JSON.stringify({ index, caption: spec.caption, frames, width, height, shapes: spec.shapes, background: spec.background })}\n`);
  await write(renderClip(spec, { width, height, frames }));
}
