// Reads delivered clips (MP4s from `kinema generate`, or the web page's download) with the level-2 judge, for
// a one-shape prompt: what `npm start` delivered, not only what the engine made. ffmpeg brings each clip back
// to the model's 112x64 at 8 fps (the judge's geometry) first.
//   node --import tsx model/shapes/judge-video.ts [--background blue --color red --kind circle --motion "moving left"] a.mp4 ...
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { judgeClip } from "../../eval/judge/judge.js";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import { onePromptOptions, onePromptSpec, OnePromptTally } from "./judged.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: onePromptOptions });
const spec = onePromptSpec(values);
const [width, height] = [112, 64];
const tally = new OnePromptTally();
for (const file of positionals) {
  const rgb = execFileSync(ffmpegPath(), ["-v", "error", "-i", file, "-vf", `fps=8,scale=${width}:${height}:flags=area`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], { maxBuffer: 1 << 28 });
  const frames = rgb.length / (width * height * 3);
  console.log(tally.add(`${file} (${frames} frames)`, judgeClip({ rgb: new Uint8Array(rgb), width, height, frames }, spec)));
}
console.log(JSON.stringify({ prompt: spec.caption, clips: positionals.length, ...tally.counts }));
