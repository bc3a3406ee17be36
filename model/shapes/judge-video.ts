// Reads delivered clips (MP4s from `kinema generate`, or the web page's download) with the level-2 judge, for
// a one-shape prompt: what `npm start` delivered, not only what the engine made. ffmpeg brings each clip back
// to the model's 112x64 at 8 fps (the judge's geometry) first.
//   node --import tsx model/shapes/judge-video.ts [--background blue --color red --kind circle --motion "moving left"] a.mp4 ...
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { judgeClip } from "../../eval/judge/judge.js";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import { captionFor, type ClipSpec, type ColorName, type Kind, type Motion, type ShapeSpec } from "./dataset.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    background: { type: "string", default: "blue" },
    color: { type: "string", default: "red" },
    kind: { type: "string", default: "circle" },
    motion: { type: "string", default: "moving left" },
  },
});
const shapes: ShapeSpec[] = [{ kind: values.kind as Kind, color: values.color as ColorName, motion: values.motion as Motion, x: 0.5, y: 0.5, size: 0.2 }];
const spec: ClipSpec = { index: -1, caption: captionFor(shapes, values.background as ColorName), background: values.background as ColorName, shapes };
const [width, height] = [112, 64];
let exact = 0;
for (const file of positionals) {
  const rgb = execFileSync(ffmpegPath(), ["-v", "error", "-i", file, "-vf", `fps=8,scale=${width}:${height}:flags=area`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], { maxBuffer: 1 << 28 });
  const frames = rgb.length / (width * height * 3);
  const v = judgeClip({ rgb: new Uint8Array(rgb), width, height, frames }, spec);
  const s = v.shapes[0]!;
  const ok = v.backgroundOk && s.colorOk && s.kindOk && s.motionOk;
  exact += Number(ok);
  console.log(`${file}: ${frames} frames, background ${v.background}, shape ${s.found ? `${s.kind} ${s.motion ?? "?"}` : "not found"}${ok ? "  <- exactly the prompt" : ""}`);
}
console.log(JSON.stringify({ prompt: spec.caption, clips: positionals.length, exact }));
