// The generated adversarial suite's figures and its gate (issue 17's "Must show"): the whole suite (366k
// prompts, ~45 s on one core) through the real pre-filter (the migration's rules from PostgreSQL) passes
// the gate with its committed counts, and the README's per-category and per-transformation figures are
// the ones it measures today (so the README cannot drift from the filter). Level 1's check
// (eval/lib/level1-generated.ts) carries the same figures into the eval report and fails the gate when a
// doctored filter misses one must-block variant, passes too few must-pass ones, or the suite shrinks.
// test/prefilter-generated.test.ts covers the generator and a sample of the suite.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../src/db/pool.js";
import { createLogger } from "../src/log.js";
import { PrefilterService, type PromptFilter } from "../src/safety/prefilter/service.js";
import { generateSuite, TRANSFORMS } from "../eval/golden/prefilter/generate.js";
import { runGeneratedSuite, type SuiteResult, type Tally } from "../eval/lib/generated-suite.js";
import { checkGenerated } from "../eval/lib/level1-generated.js";
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

/** As the README writes a rate: "100%" when every one, else two decimals. */
const percent = (t: Tally) => (t.ok === t.total ? "100%" : `${(100 * t.rate).toFixed(2)}%`);
const count = (t: Tally) => t.total.toLocaleString("en-US");

/** The README's rows of the table whose header starts with `header`, each row's cells. */
function tableRows(readme: string, header: string): string[][] {
  const lines = readme.split("\n").map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith(`| ${header}`));
  expect(start, `a README table headed "${header}"`).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split("|").map((c) => c.trim()));
  }
  return rows;
}

// The README's names for the must-pass kinds and the transformations (one row may name several).
const KIND_NAMES: Record<string, string> = { "inside a word": "inside-a-word", "children and ages": "children" };
const TRANSFORM_ROWS: Record<string, string[]> = {
  "leet (digits, symbols)": ["leet"], "mask (`*` `_` `.`)": ["mask"], "spacing / dots / split": ["spacing", "dots", "split"],
  repeat: ["repeat"], "homoglyph Cyrillic / Greek": ["homoglyph-cyrillic", "homoglyph-greek"],
  "small capitals / fullwidth / math / mixed alphabets": ["small-caps", "fullwidth", "math", "mixed-alphabet"],
  "upper / mixed case": ["upper", "mixed-case"], "zero-width / combining marks": ["zero-width", "combining-marks"],
};

/** A README cell for several tallies: "a / b / c", or "100% each" when all are 100%. */
function cell(tallies: Tally[]): string[] {
  const each = tallies.map(percent);
  const forms = [each.join(" / ")];
  if (each.length > 1 && each.every((p) => p === "100%")) forms.push("100% each");
  return forms;
}

describe("the whole generated suite", () => {
  let suite: SuiteResult;
  beforeAll(() => { suite = runGeneratedSuite(prefilter); }, 300_000);

  it("passes the gate through the real pre-filter, counts held against the committed baseline", () => {
    expect(suite.problems).toEqual([]);
    expect(suite.block).toMatchObject({ ok: suite.block.total });
    expect(suite.block.total + suite.pass.total).toBeGreaterThan(300_000);
  });

  it("is what the README says, per category, per must-pass kind and per transformation", async () => {
    const readme = await readFile("README.md", "utf8");
    expect(readme).toContain(`must-block **${suite.block.ok.toLocaleString("en-US")} / ${suite.block.total.toLocaleString("en-US")} blocked (${percent(suite.block)})**`);
    expect(readme).toContain(`must-pass **${suite.pass.ok.toLocaleString("en-US")} / ${suite.pass.total.toLocaleString("en-US")} passed (${percent(suite.pass)})**`);

    const seen = new Set<string>();
    for (const [category, blocked, kind, passed] of tableRows(readme, "must-block category")) {
      for (const [name, side, rate] of [[category!, "blocked", blocked!], [kind!, "passed", passed!]] as const) {
        if (!name) continue;
        const [, label, n] = /^(.+) \(([\d,]+)\)$/.exec(name) ?? [];
        const group = `${side}/${side === "blocked" ? label : (KIND_NAMES[label!] ?? label)}`;
        const tally = suite.byGroup[group];
        expect(tally, `${group} in the README is a group of the suite`).toBeDefined();
        expect([n, rate], group).toEqual([count(tally!), percent(tally!)]);
        seen.add(group);
      }
    }
    expect([...seen].sort(), "every group has its README row").toEqual(Object.keys(suite.byGroup).sort());

    const named = new Set<string>();
    for (const [row, blocked, passed] of tableRows(readme, "transformation (alone or combined)")) {
      const transforms = TRANSFORM_ROWS[row!];
      expect(transforms, `README row "${row}" names known transformations`).toBeDefined();
      for (const [side, text] of [["blocked", blocked!], ["passed", passed!]] as const) {
        expect(cell(transforms!.map((t) => suite.byTransform[`${side}/${t}`]!)), `${side}: ${row}`).toContain(text);
      }
      transforms!.forEach((t) => named.add(t));
    }
    expect([...named].sort(), "every transformation has its README row").toEqual([...TRANSFORMS].sort());
  });
});

describe("level 1's generated-suite check", () => {
  /** The real filter, except that it lets through what `leak` picks (a doctored build). */
  const doctored = (leak: (prompt: string) => boolean): PromptFilter => ({
    check: (prompt) => (leak(prompt) ? { ...prefilter.check("a quiet harbour at dawn") } : prefilter.check(prompt)),
  });

  it("carries the figures per category and per transformation into the report, and passes on the real filter", () => {
    const { check, suite } = checkGenerated(prefilter, 40);
    expect(check.passed).toBe(true);
    expect(Object.keys(check.counts).sort()).toEqual(Object.keys(suite.byGroup).sort());
    expect(check.notes.find((n) => n.startsWith("per group: "))).toMatch(/blocked\/CSAM 100\.00%.*passed\/colour \d+\.\d\d%/);
    const perTransform = check.notes.find((n) => n.startsWith("per transformation: "))!;
    for (const t of TRANSFORMS) expect(perTransform).toContain(`blocked/${t} 100.00%`);
  }, 120_000);

  it("fails on one leaked must-block variant, on a must-pass rate under 99%, and on a suite smaller than its baseline", () => {
    // one must-block variant in leet through: the gate is 100%, so this alone fails it
    const sampled = [...generateSuite()].filter((_, i) => i % 40 === 0);
    const leak = sampled.find((v) => v.expect === "blocked" && v.transforms.includes("leet"))!.text;
    const leaky = checkGenerated(doctored((p) => p === leak), 40);
    expect(leaky.check.passed).toBe(false);
    expect(leaky.check.failures).toEqual([{ subject: "generated suite", reason: expect.stringMatching(/^1 of \d+ must-block variants were not blocked \(gate: 100%\)$/) }]);

    // every hard negative about colour refused: a quarter of the must-pass variants
    const strict: PromptFilter = { check: (p) => (/lipstick|pumps|dress|heels|palette|gown|walls|polish|handbag|shade/i.test(p) ? prefilter.check("nude m!nor") : prefilter.check(p)) };
    const refusing = checkGenerated(strict, 40);
    expect(refusing.check.passed).toBe(false);
    expect(refusing.check.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/^must-pass rate \d+\.\d\d% is under 99%$/)]);

    // half the suite (one draw instead of two): fewer variants than committed, which the gate refuses
    // (whatever the filter answers: here one that answers at once, the counts are the point)
    const harbour = prefilter.check("a quiet harbour at dawn");
    const smaller = runGeneratedSuite({ check: () => harbour }, { draws: 1 });
    expect(smaller.passed).toBe(false);
    expect(smaller.problems).toContainEqual(expect.stringMatching(/^generated\/blocked\/CSAM: \d+ variants, fewer than the committed 60462 \(the suite only grows\)$/));
  }, 300_000);
});
