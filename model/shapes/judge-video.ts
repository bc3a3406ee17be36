// Reads delivered clips (MP4s from `kinema generate`, or the web page's download) with the level-2 judge, for
// a one-shape prompt: what `npm start` delivered, not only what the engine made. ffmpeg brings each clip back
// to the model's 112x64 at 8 fps (the judge's geometry) first.
//   node --import tsx model/shapes/judge-video.ts [--background blue --color red --kind circle --motion "moving left"] a.mp4 ...
import { parseArgs } from "node:util";
import { judgeVideoFile, onePromptOptions, onePromptSpec, OnePromptTally } from "./judged.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: onePromptOptions });
const spec = onePromptSpec(values);
const tally = new OnePromptTally();
for (const file of positionals) {
  const { frames, verdict } = judgeVideoFile(file, spec);
  console.log(tally.add(`${file} (${frames} frames)`, verdict));
}
console.log(JSON.stringify({ prompt: spec.caption, clips: positionals.length, ...tally.counts }));
