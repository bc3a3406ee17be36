// npm run bench:safety — pre-filter latency per prompt over the golden prompts (p50/p99; goal p99 < 1 ms),
// and the post-filter's wall time for a 240-frame 480p clip, split into the every-frame hash gate (goal
// < 2 s on this machine) and the classifiers on the sampled frames. Prints a table; the last line is one
// JSON object whose keys name their units. --quick (or BENCH_QUICK=1): a few pre-filter rounds, one
// hash-gate round on a 24-frame clip, the classifiers on 3 sampled frames (same code, figures meaningless).
import { measureClassifiers } from "./lib/classifier-bench.js";
import { measureHashGate } from "./lib/hash-gate-bench.js";
import { measurePrefilter } from "./lib/prefilter-bench.js";
import { isQuick } from "./lib/quick.js";

async function main(): Promise<void> {
  const quick = isQuick(); // small sizes (bench/lib/quick.ts): proves the bench runs, not how fast
  const started = performance.now();
  const figures: Record<string, number | boolean> = {
    ...(await measurePrefilter()),
    ...(await measureHashGate()),
    ...(await measureClassifiers()),
  };
  if (typeof figures.prefilter_p99_ms === "number") {
    figures.prefilter_goal_met = figures.prefilter_p99_ms < 1 && (figures.prefilter_generated_p99_ms as number) < 1;
  }
  if (typeof figures.hash_gate_ms_240f_480p === "number") figures.hash_gate_goal_met = figures.hash_gate_ms_240f_480p < 2_000;
  figures.total_seconds = Math.round((performance.now() - started) / 100) / 10;
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
  console.log("goals: pre-filter p99 < 1 ms; hash gate over 240 frames at 480p < 2 s");
  console.log(JSON.stringify({ bench: "safety", quick, ...figures }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
