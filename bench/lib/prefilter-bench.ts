// Pre-filter latency per prompt, for `npm run bench:safety`: the real pre-filter (the migration's rules
// read from a throwaway database, the hard rules, the public-figure list) over every golden prompt,
// many rounds, each check timed on its own, and over a sample of the generated adversarial suite
// (every 25th variant: obfuscated prompts are the slow ones). Goal: p99 < 1 ms.
import { createPool } from "../../src/db/pool.js";
import { createLogger } from "../../src/log.js";
import { PrefilterService } from "../../src/safety/prefilter/service.js";
import { loadPrefilterGoldens } from "../../eval/golden/prefilter.js";
import { generateSuite } from "../../eval/golden/prefilter/generate.js";
import { withBenchDatabase } from "./db.js";
import { benchSize } from "./quick.js";
import { percentile, round } from "./stats.js";

const ROUNDS = benchSize("BENCH_PREFILTER_ROUNDS", { full: 200, quick: 5 });
const WARMUP_ROUNDS = Math.min(20, ROUNDS);
const GENERATED_STRIDE = benchSize("BENCH_PREFILTER_STRIDE", { full: 25, quick: 2_000 });
const GENERATED_ROUNDS = benchSize("BENCH_PREFILTER_GENERATED_ROUNDS", { full: 5, quick: 1 });

export async function measurePrefilter(): Promise<Record<string, number>> {
  return withBenchDatabase(true, async (db) => {
    const pool = createPool(db.url, 2);
    const prefilter = await PrefilterService.start(pool, { pollMs: 0 }, createLogger("bench"));
    try {
      const prompts = loadPrefilterGoldens().flatMap((set) => set.prompts.map((p) => p.text));
      let blocked = 0;
      for (let r = 0; r < WARMUP_ROUNDS; r++) for (const p of prompts) prefilter.check(p);
      const samples: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        for (const prompt of prompts) {
          const start = performance.now();
          const decision = prefilter.check(prompt);
          samples.push(performance.now() - start);
          if (decision.verdict === "blocked") blocked++;
        }
      }
      // Kept while generating (the whole suite in memory would make the timing a garbage collector's).
      const generated: string[] = [];
      let index = 0;
      for (const v of generateSuite()) if (index++ % GENERATED_STRIDE === 0) generated.push(v.text);
      for (const prompt of generated) prefilter.check(prompt); // warm-up, as for the golden prompts
      const adversarial: number[] = [];
      for (let r = 0; r < GENERATED_ROUNDS; r++) {
        for (const prompt of generated) {
          const start = performance.now();
          prefilter.check(prompt);
          adversarial.push(performance.now() - start);
        }
      }
      return {
        prefilter_prompts: prompts.length,
        prefilter_checks: samples.length,
        prefilter_blocked_share: round(blocked / samples.length, 3),
        prefilter_p50_ms: round(percentile(samples, 50), 4),
        prefilter_p99_ms: round(percentile(samples, 99), 4),
        prefilter_max_ms: round(samples.reduce((a, b) => Math.max(a, b), 0), 3),
        prefilter_generated_checks: adversarial.length,
        prefilter_generated_p50_ms: round(percentile(adversarial, 50), 4),
        prefilter_generated_p99_ms: round(percentile(adversarial, 99), 4),
      };
    } finally {
      await prefilter.stop();
      await pool.end();
    }
  });
}
