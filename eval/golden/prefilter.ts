// The pre-filter's golden sets (eval/golden/prefilter/*.json), for the test that runs them
// (test/safety-golden.test.ts) and the benchmark (bench/lib/prefilter-bench.ts).
import { readdirSync, readFileSync } from "node:fs";

export const PREFILTER_GOLDEN_DIR = new URL("./prefilter/", import.meta.url);
export const GOLDEN_COUNTS_FILE = new URL("./counts.json", import.meta.url);

export interface GoldenPrompt {
  text: string;
  /** block sets: how the base phrase was obfuscated ("plain", "leetspeak", "homoglyph-cyrillic", ...) */
  variant?: string;
  base?: string;
  /** pass sets: why this prompt is a hard negative */
  note?: string;
}

export interface GoldenSet {
  /** "prefilter/<file name without .json>", the key in counts.json */
  name: string;
  description: string;
  expect: "blocked" | "passed";
  /** block sets: the category the pre-filter must report */
  category?: string;
  prompts: GoldenPrompt[];
}

export function loadPrefilterGoldens(): GoldenSet[] {
  return readdirSync(PREFILTER_GOLDEN_DIR).filter((f) => f.endsWith(".json")).sort().map((file) => {
    const set = JSON.parse(readFileSync(new URL(file, PREFILTER_GOLDEN_DIR), "utf8")) as Omit<GoldenSet, "name">;
    return { ...set, name: `prefilter/${file.replace(/\.json$/, "")}` };
  });
}

/** The committed size of each set (the sets only grow). */
export function loadGoldenCounts(): Record<string, number> {
  const counts = JSON.parse(readFileSync(GOLDEN_COUNTS_FILE, "utf8")) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === "number"));
}
