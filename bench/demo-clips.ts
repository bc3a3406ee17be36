// npm run bench:demo — the README's demo figures, measured through the real service: Kinema in this
// process as `npm start` runs it (the API, one worker with the production pipeline, the default model
// kinema-shapes, onnxruntime on every core, the default CPU profile), driven over HTTP with a PLUS key
// like the demo key (50 steps, 480p), one clip at a time.
//   1. how long a 2-second demo clip takes, submission to SUCCEEDED (and with the download), on a warm
//      server (a first clip, not counted, loads the model: its time is reported on its own);
//   2. how many delivered clips of the demo prompt show exactly what it says: `kinema generate`'s default
//      4-second clips, downloaded through their signed URLs and read by the level-2 judge as
//      model/shapes/judge-video.ts reads them (seeds 1..N, so a rerun judges the same clips).
// Options: --timing-clips N (3), --judged-clips N (20), --quick or BENCH_QUICK=1 (1 and 2: a smoke run).
// The database: DATABASE_URL's server, else TEST_DATABASE_URL's, else the local PostgreSQL, else
// embedded PGlite (as the eval does); dropped at the end. Prints a line per clip; the last line is one
// JSON object whose keys name their units, with the machine's cores and load average (other work on the
// machine stretches the times).
import { writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GENERATE, JOB, type EvalClient, type UserError } from "../eval/lib/graphql.js";
import { startEvalStack } from "../eval/lib/stack.js";
import { judgeVideoFile, onePromptSpec, OnePromptTally } from "../model/shapes/judged.js";
import { isQuick } from "./lib/quick.js";
import { percentile, round, sleep } from "./lib/stats.js";

const { values } = parseArgs({
  options: { "timing-clips": { type: "string" }, "judged-clips": { type: "string" }, quick: { type: "boolean", default: false } },
});
const quick = values.quick || isQuick();
const timingClips = Number(values["timing-clips"] ?? (quick ? 1 : 3));
const judgedClips = Number(values["judged-clips"] ?? (quick ? 2 : 20));
const spec = onePromptSpec({ background: "blue", color: "red", kind: "circle", motion: "moving left" });

interface Job { status: string; error: { code: string } | null; video: { url: string } | null }

/** Submits one clip and waits for it: seconds to SUCCEEDED, then to the end of the download. */
async function oneClip(client: EvalClient, seed: number, durationSeconds: number, file: string): Promise<{ done: number; downloaded: number }> {
  const started = performance.now();
  const { generateVideo } = await client.request<{ generateVideo: { job: { id: string } | null; userErrors: UserError[] } }>(
    GENERATE, { input: { prompt: spec.caption, durationSeconds, resolution: "R480P", seed } });
  if (!generateVideo.job) throw new Error(`submission refused: ${JSON.stringify(generateVideo.userErrors)}`);
  let job: Job;
  for (;;) {
    ({ job } = await client.request<{ job: Job }>(JOB, { id: generateVideo.job.id }));
    if (!["QUEUED", "RUNNING"].includes(job.status)) break;
    await sleep(50);
  }
  const done = (performance.now() - started) / 1000;
  if (job.status !== "SUCCEEDED" || !job.video) throw new Error(`seed ${seed}: ${job.status} ${job.error?.code ?? ""}`);
  const response = await fetch(job.video.url);
  if (!response.ok) throw new Error(`seed ${seed}: download answered ${response.status}`);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return { done, downloaded: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const started = performance.now();
  // onnxruntime on every core, as `npm start` runs it (the eval stack's default is one thread a worker)
  const stack = await startEvalStack({ workers: 1, env: { KINEMA_ORT_THREADS: process.env.KINEMA_ORT_THREADS || "0" } });
  try {
    const { client } = await stack.account("PLUS", "bench-demo");
    const load = [loadavg()[0]!];
    const first = await oneClip(client, 999, 2, join(stack.dataDir, "first.mp4"));
    console.log(`first clip (loads the model; not counted): ${first.done.toFixed(1)} s`);
    const twoSecond: number[] = [];
    const twoSecondDownloaded: number[] = [];
    for (let i = 0; i < timingClips; i++) {
      const t = await oneClip(client, 1000 + i, 2, join(stack.dataDir, `timing-${i}.mp4`));
      twoSecond.push(t.done);
      twoSecondDownloaded.push(t.downloaded);
      console.log(`2-second clip ${i + 1}/${timingClips}: ${t.done.toFixed(1)} s to SUCCEEDED, ${t.downloaded.toFixed(1)} s with the download`);
    }
    const tally = new OnePromptTally();
    const fourSecond: number[] = [];
    for (let seed = 1; seed <= judgedClips; seed++) {
      const file = join(stack.dataDir, `judged-${seed}.mp4`);
      const t = await oneClip(client, seed, 4, file);
      fourSecond.push(t.done);
      const { frames, verdict } = judgeVideoFile(file, spec);
      console.log(`${tally.add(`seed ${seed} (${frames} frames, ${t.done.toFixed(1)} s)`, verdict)}`);
    }
    console.log(JSON.stringify({
      bench: "demo", model: stack.config.engine.modelDir, prompt: spec.caption, tier: "PLUS", resolution: "R480P", quick,
      cores: availableParallelism(),
      loadavg_1m_start: round(load[0]!, 1),
      loadavg_1m_end: round(loadavg()[0]!, 1),
      first_clip_seconds: round(first.done, 1),
      clip_2s_count: timingClips,
      clip_2s_p50_seconds: round(percentile(twoSecond, 50), 1),
      clip_2s_max_seconds: round(Math.max(...twoSecond), 1),
      clip_2s_with_download_p50_seconds: round(percentile(twoSecondDownloaded, 50), 1),
      judged_4s_clips: judgedClips,
      judged_exactly_right: tally.counts.exact,
      judged_background_right: tally.counts.background,
      judged_colour_right: tally.counts.color,
      judged_kind_right: tally.counts.kind,
      judged_motion_right: tally.counts.motion,
      clip_4s_p50_seconds: round(percentile(fourSecond, 50), 1),
      total_seconds: round((performance.now() - started) / 1000, 1),
    }));
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
