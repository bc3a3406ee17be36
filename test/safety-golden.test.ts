// The pre-filter's golden sets (eval/golden/prefilter/) through the real pre-filter: the rules the
// migration seeds, read from PostgreSQL, plus the hard rules and the public-figure list. Every must-block
// prompt is blocked with its set's category; every must-pass prompt passes; no set shrinks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../src/db/pool.js";
import { createLogger } from "../src/log.js";
import { PrefilterService } from "../src/safety/prefilter/service.js";
import { loadGoldenCounts, loadPrefilterGoldens } from "../eval/golden/prefilter.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
let pool: Pool;
let prefilter: PrefilterService;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  prefilter = await PrefilterService.start(pool, { pollMs: 0 }, createLogger("test"));
});
afterAll(async () => {
  await prefilter?.stop();
  await pool?.end();
  await db?.drop();
});

const sets = loadPrefilterGoldens();

describe("golden sets", () => {
  it("has a committed count for every set, and no set is smaller than its count", () => {
    const counts = loadGoldenCounts();
    const prefilterCounts = Object.keys(counts).filter((k) => k.startsWith("prefilter/")).sort();
    expect(prefilterCounts).toEqual(sets.map((s) => s.name).sort());
    for (const set of sets) expect(set.prompts.length, set.name).toBeGreaterThanOrEqual(counts[set.name]!);
    // Every block set covers the obfuscations the normaliser claims to undo.
    for (const set of sets.filter((s) => s.expect === "blocked")) {
      const variants = new Set(set.prompts.map((p) => p.variant));
      for (const v of ["plain", "spacing", "dots", "leetspeak", "homoglyph-cyrillic", "zero-width", "combining-marks", "repeats"]) {
        expect(variants.has(v), `${set.name} has ${v} variants`).toBe(true);
      }
    }
  });

  for (const set of sets) {
    it(`${set.name}: all ${set.prompts.length} prompts ${set.expect}${set.category ? ` as ${set.category}` : ""}`, () => {
      const wrong = set.prompts.flatMap((prompt) => {
        const decision = prefilter.check(prompt.text);
        const ok = set.expect === "passed"
          ? decision.verdict === "passed"
          : decision.verdict === "blocked" && decision.category === set.category;
        return ok ? [] : [{ text: prompt.text, variant: prompt.variant, decision }];
      });
      expect(wrong).toEqual([]);
    });
  }
});
