// What an admin can change without a restart, against real PostgreSQL: the public-figure list reloads at
// the rule poll when its file changes (and a broken file keeps the last good list), and a PATTERN rule
// cannot hang the API whatever it is (RE2: linear time), tested with a catastrophic-backtracking pattern.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, type Pool } from "../src/db/pool.js";
import { createLogger } from "../src/log.js";
import { ruleProblem } from "../src/safety/prefilter/rules.js";
import { PrefilterService } from "../src/safety/prefilter/service.js";
import { insertRule } from "../src/safety/prefilter/store.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
let pool: Pool;
let dir: string;
const services: PrefilterService[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  dir = await mkdtemp(join(tmpdir(), "kinema-figures-"));
});
afterAll(async () => {
  for (const s of services) await s.stop();
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const start = async (options: Parameters<typeof PrefilterService.start>[1]) => {
  const service = await PrefilterService.start(pool, options, createLogger("test"));
  services.push(service);
  return service;
};

async function eventually(probe: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the public-figure list", () => {
  it("reloads at the next poll when its file changes, with no restart; a broken file keeps the last good list", async () => {
    const file = join(dir, "figures.txt");
    await writeFile(file, "# test list\nTaylor Swift\n");
    const prefilter = await start({ pollMs: 100, publicFiguresFile: file });
    const version = prefilter.version;
    expect(prefilter.check("Taylor Swift on stage")).toMatchObject({ verdict: "blocked", category: "LIKENESS" });
    expect(prefilter.check("Quentin Marlowe-Teague on stage").verdict).toBe("passed");

    await writeFile(file, "Taylor Swift\nQuentin Marlowe-Teague\n");
    await eventually(() => prefilter.check("Qu3ntin M@rlowe Teague on stage").verdict === "blocked");
    expect(prefilter.check("Quentin Marlowe-Teague on stage")).toMatchObject({ category: "LIKENESS", ruleId: "builtin:likeness:public-figures" });
    expect(prefilter.publicFigures).toBe(2);
    expect(prefilter.version).toBe(version); // the list is not a rule-set change

    await writeFile(file, "# emptied by mistake\n");
    await new Promise((r) => setTimeout(r, 400)); // several polls
    expect(prefilter.publicFigures).toBe(2);
    expect(prefilter.check("Quentin Marlowe-Teague on stage").verdict).toBe("blocked");
    await rm(file);
    await new Promise((r) => setTimeout(r, 400));
    expect(prefilter.check("Quentin Marlowe-Teague on stage").verdict).toBe("blocked");

    await writeFile(file, "Taylor Swift\n"); // a name removed is in force after the next poll too
    await eventually(() => prefilter.check("Quentin Marlowe-Teague on stage").verdict === "passed");
    expect(prefilter.check("Taylor Swift on stage").verdict).toBe("blocked");
  });

  it("refuses to start on a list with no names (a pre-filter without its list is not one)", async () => {
    const file = join(dir, "empty.txt");
    await writeFile(file, "# nothing\n");
    await expect(PrefilterService.start(pool, { pollMs: 0, publicFiguresFile: file }, createLogger("test"))).rejects.toThrow(/holds no name/);
  });
});

describe("PATTERN rules", () => {
  it("run in linear time: a catastrophic-backtracking pattern saved by an admin cannot hang a check", async () => {
    // (a+)+$ against "aaaa...a b": a backtracking engine (V8's RegExp) tries 2^n ways to split the a's
    // before failing; at 30 a's that is minutes, at 2,000 longer than the universe.
    expect(ruleProblem("PATTERN", "(a+)+$")).toBeNull();
    const prefilter = await start({ pollMs: 0 });
    const rule = await insertRule(pool, { category: "VIOLENCE", kind: "PATTERN", pattern: "(a+)+$" }, { id: randomUUID(), role: "ADMIN", reason: "regex time budget test" });
    await prefilter.catchUp(rule.createdVersion);
    expect(prefilter.version).toBe(rule.createdVersion);

    const long = `${"a".repeat(1_990)} b`;
    const started = performance.now();
    expect(prefilter.check(long).verdict).toBe("passed");
    expect(prefilter.check(`${"a".repeat(60)}!x`).verdict).toBe("passed");
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(500); // about 10 ms here; the bound is loose for a loaded machine, not close to a hang
    expect(prefilter.check("aaaa")).toMatchObject({ verdict: "blocked", category: "VIOLENCE", ruleId: String(rule.id) });
  });

  it("are refused at save time when RE2 cannot run them (lookaround, backreferences), with RE2's reason", () => {
    expect(ruleProblem("PATTERN", "(?<=a)b")).toMatch(/RE2.*lookaround/);
    expect(ruleProblem("PATTERN", "(a)\\1")).toMatch(/RE2/);
    expect(ruleProblem("PATTERN", "\\bslit (?:her |his )?throat")).toBeNull();
  });
});
