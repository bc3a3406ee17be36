// The post-filter's every-frame CSAM hash gate on a 240-frame 854x480 clip (10 s at 24 fps, ffmpeg
// testsrc2, written as the raw rgb24 frames file the pipeline's decoder produces) against a bank of
// 10,000 random hashes: read + PDQ-hash every frame + match every hash. Goal: < 2 s on this machine.
// The first run (cold JIT, cold page cache) is reported apart from the median of the warm runs. Also:
// PDQ alone per 480p frame, the bank lookup alone, and `kinema scan`'s path on an MP4 of the same clip
// (ffmpeg decode into a temporary file + the gate).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "../../src/engine/ffmpeg.js";
import { InMemoryHashBank } from "../../src/safety/banks/index.js";
import { pdqHash } from "../../src/safety/pdq/index.js";
import { runHashGate, scanVideoFile } from "../../src/safety/scan/index.js";
import { benchSize, isQuick } from "./quick.js";
import { percentile, round } from "./stats.js";

const run = promisify(execFile);
const QUICK = isQuick();
const ROUNDS = benchSize("BENCH_HASH_GATE_ROUNDS", { full: 5, quick: 1 });
const WIDTH = 854;
const HEIGHT = 480;
// Quick mode: a 1 s clip and one PDQ round (the keys still say 240f; the JSON says quick).
const FRAMES = QUICK ? 24 : 240;
const PDQ_ROUNDS = QUICK ? 1 : 3;
const BANK_SIZE = 10_000;

function randomBank(size: number, seed = 1): InMemoryHashBank {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const entries = Array.from({ length: size }, (_, i) => {
    let hash = "";
    for (let k = 0; k < 8; k++) hash += next().toString(16).padStart(8, "0");
    return { hash, label: `random-${i}` };
  });
  return new InMemoryHashBank(entries, { description: `${size} random hashes` });
}

export async function measureHashGate(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), "kinema-bench-hash-gate-"));
  try {
    const source = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${WIDTH}x${HEIGHT}:rate=24`, "-frames:v", String(FRAMES)];
    const rawPath = join(dir, "frames.rgb");
    await run(ffmpegPath(), [...source, "-pix_fmt", "rgb24", "-f", "rawvideo", rawPath]);
    const frames = { path: rawPath, width: WIDTH, height: HEIGHT, count: FRAMES };
    const bank = randomBank(BANK_SIZE);

    const gateMs: number[] = [];
    const hashMs: number[] = [];
    const lookupMs: number[] = [];
    let blocked = false;
    for (let i = 0; i < ROUNDS + 1; i++) {
      const start = performance.now();
      const result = await runHashGate(frames, bank);
      gateMs.push(performance.now() - start);
      hashMs.push(result.summary.hashMs);
      lookupMs.push(result.summary.lookupMs);
      blocked ||= result.verdict.blocked;
      if (result.summary.frames !== FRAMES) throw new Error(`hash gate saw ${result.summary.frames} frames, expected ${FRAMES}`);
    }
    if (blocked) throw new Error("a random bank matched a testsrc2 frame");

    // PDQ alone, on frames already in memory
    const all = await readFile(rawPath);
    const bytes = WIDTH * HEIGHT * 3;
    const perFrame: number[] = [];
    for (let round = 0; round < PDQ_ROUNDS; round++) {
      const start = performance.now();
      for (let f = 0; f < FRAMES; f++) pdqHash(all.subarray(f * bytes, (f + 1) * bytes), WIDTH, HEIGHT);
      perFrame.push((performance.now() - start) / FRAMES);
    }

    // `kinema scan` on an MP4 of the same clip: ffmpeg decode to a temporary raw file, then the gate
    const mp4 = join(dir, "clip.mp4");
    await run(ffmpegPath(), [...source, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", mp4]);
    const scanStart = performance.now();
    const scanned = await scanVideoFile(mp4, bank);
    const scanMs = performance.now() - scanStart;
    if (scanned.video.count !== FRAMES) throw new Error(`scan decoded ${scanned.video.count} frames, expected ${FRAMES}`);

    const warm = gateMs.slice(1);
    return {
      hash_gate_ms_240f_480p: round(percentile(warm, 50)),
      hash_gate_ms_240f_480p_first_run: round(gateMs[0]!),
      hash_gate_hash_ms_240f_480p: round(percentile(hashMs.slice(1), 50)),
      hash_gate_lookup_ms_240x10k: round(percentile(lookupMs.slice(1), 50)),
      hash_gate_bank_size: BANK_SIZE,
      pdq_ms_per_frame_480p: round(percentile(perFrame, 50), 3),
      scan_mp4_ms_240f_480p: round(scanMs),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
