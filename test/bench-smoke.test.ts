// bench:smoke (scripts/bench-smoke.ts) and the quick-mode convention (bench/lib/quick.ts): real npm runs
// of small stand-in benches in a scratch package, one per way a bench can fail the smoke run.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { benchSize, isQuick } from "../bench/lib/quick.js";
import { benchScripts, lastJsonObject, runBench, runSmoke, summary, type SmokeResult } from "../scripts/bench-smoke.js";

/** Alive and not a zombie (a killed grandchild may wait for a reaper that never comes in a container). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

const BENCHES: Record<string, string> = {
  // passes only when it got both halves of the convention
  "ok.mjs": `if (!process.argv.includes("--quick") || process.env.BENCH_QUICK !== "1") { console.log("not quick"); process.exit(2); }
console.log("a table line"); console.log(JSON.stringify({ quick: true, figure: 1 })); console.log("");`,
  "nojson.mjs": `console.log("figures: 1 2 3");`,
  "array.mjs": `console.log(JSON.stringify([1, 2]));`,
  "fails.mjs": `console.log(JSON.stringify({ quick: true })); console.error("boom"); process.exit(3);`,
  // exits at once but leaves a child holding its stdout: the smoke run must neither wait for it nor leave it
  "leaves-child.mjs": `import { spawn } from "node:child_process"; import { writeFileSync } from "node:fs";
const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "inherit" });
writeFileSync("leftover.pid", String(child.pid)); console.log(JSON.stringify({ quick: true })); process.exit(0);`,
  "hangs.mjs": `import { spawn } from "node:child_process"; import { writeFileSync } from "node:fs";
const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
writeFileSync("hung.pid", String(child.pid)); console.log("working..."); setTimeout(() => {}, 60000);`,
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-bench-smoke-"));
  for (const [file, code] of Object.entries(BENCHES)) await writeFile(join(dir, file), code);
  await writeFile(join(dir, "package.json"), JSON.stringify({
    name: "smoke-fixture", private: true, type: "module",
    scripts: {
      test: "node fails.mjs", // not a bench: never run
      "bench:ok": "node ok.mjs", "bench:nojson": "node nojson.mjs", "bench:array": "node array.mjs",
      "bench:fails": "node fails.mjs", "bench:smoke": "node fails.mjs", "bench:leaves-child": "node leaves-child.mjs",
    },
  }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("bench:smoke", () => {
  it("finds every bench:* script in package.json order, without itself", () => {
    expect(benchScripts({ scripts: { test: "x", "bench:b": "x", "bench:smoke": "x", "bench:a": "x", "benchmark": "x" } })).toEqual(["bench:b", "bench:a"]);
    expect(benchScripts({})).toEqual([]);
  });

  it("takes only a JSON object on the last non-empty stdout line", () => {
    expect(lastJsonObject('table\n{"a":1}\n\n')).toEqual({ value: { a: 1 } });
    expect(lastJsonObject('{"a":1}\ntrailing words')).toMatchObject({ error: expect.stringContaining("trailing words") });
    expect(lastJsonObject("[1]")).toMatchObject({ error: expect.stringContaining("not a JSON object") });
    expect(lastJsonObject("null")).toMatchObject({ error: expect.stringContaining("not a JSON object") });
    expect(lastJsonObject("\n \n")).toEqual({ error: "printed nothing on stdout" });
  });

  it("runs each bench quick, one after another, and names each failure", async () => {
    const lines: string[] = [];
    const results = await runSmoke({ cwd: dir, timeoutMs: 30_000, log: (l) => lines.push(l) });
    const byName = Object.fromEntries(results.map((r) => [r.bench, r]));
    expect(results.map((r) => r.bench)).toEqual(["bench:ok", "bench:nojson", "bench:array", "bench:fails", "bench:leaves-child"]);
    expect(byName["bench:ok"]).toMatchObject({ ok: true, reason: "" });
    expect(byName["bench:nojson"]).toMatchObject({ ok: false, reason: expect.stringContaining("figures: 1 2 3") });
    expect(byName["bench:array"]).toMatchObject({ ok: false, reason: expect.stringContaining("not a JSON object") });
    expect(byName["bench:fails"]).toMatchObject({ ok: false, reason: "exited with 3" });
    expect(byName["bench:fails"]!.tail).toContain("boom");
    // exited 0 with its JSON: ok, not a timeout while its child held stdout; and the child is gone
    expect(byName["bench:leaves-child"]).toMatchObject({ ok: true });
    expect(byName["bench:leaves-child"]!.seconds).toBeLessThan(20);
    const leftover = Number(await readFile(join(dir, "leftover.pid"), "utf8"));
    await expect.poll(() => alive(leftover), { timeout: 5_000 }).toBe(false);
    expect(lines.join("\n")).toContain("FAILED: bench:fails: exited with 3");

    const text = summary(results);
    expect(text).toMatch(/^bench\s+seconds\s+ok$/m);
    expect(text).toMatch(/^bench:ok\s+\d+\.\d\s+ok$/m);
    expect(text).toContain("failed: bench:nojson, bench:array, bench:fails");
    expect(text.split("\n").at(-1)).toBe("2 passed, 3 failed");
  });

  it("ends a bench that outlives its limit, with everything it started", async () => {
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "smoke-hang", private: true, type: "module", scripts: { "bench:hangs": "node hangs.mjs" } }));
    const result: SmokeResult = await runBench("bench:hangs", { cwd: dir, timeoutMs: 4_000 });
    expect(result).toMatchObject({ ok: false, reason: "timed out after 4 s" });
    expect(result.tail).toContain("working...");
    const hung = Number(await readFile(join(dir, "hung.pid"), "utf8"));
    await expect.poll(() => alive(hung), { timeout: 8_000 }).toBe(false);
  });

  it("exits non-zero through npm when a bench fails", async () => {
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "smoke-cli", private: true, type: "module", scripts: { "bench:ok": "node ok.mjs", "bench:nojson": "node nojson.mjs" } }));
    const cli = join(process.cwd(), "scripts", "bench-smoke.ts");
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href; // the fixture has no node_modules
    const run = spawnSync(process.execPath, ["--import", tsx, cli], { cwd: dir, encoding: "utf8", env: { ...process.env, BENCH_QUICK: undefined } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("FAILED: bench:nojson");
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("1 passed, 1 failed");
  });
});

describe("quick mode (bench/lib/quick.ts)", () => {
  it("is on with --quick or BENCH_QUICK=1/true, off otherwise, and refuses other values", () => {
    expect(isQuick(["--quick"], {})).toBe(true);
    expect(isQuick([], { BENCH_QUICK: "1" })).toBe(true);
    expect(isQuick([], { BENCH_QUICK: "true" })).toBe(true);
    expect(isQuick([], {})).toBe(false);
    expect(isQuick([], { BENCH_QUICK: "0" })).toBe(false);
    expect(isQuick([], { BENCH_QUICK: "" })).toBe(false);
    expect(isQuick(["--quickly"], {})).toBe(false);
    expect(() => isQuick([], { BENCH_QUICK: "yes please" })).toThrow(/BENCH_QUICK must be 1 or 0/);
  });

  it("picks the quick or full size, an explicit variable winning in both modes", () => {
    const sizes = { full: 1000, quick: 60 };
    expect(benchSize("BENCH_N", sizes, false, {})).toBe(1000);
    expect(benchSize("BENCH_N", sizes, true, {})).toBe(60);
    expect(benchSize("BENCH_N", sizes, true, { BENCH_N: "250" })).toBe(250);
    expect(benchSize("BENCH_N", sizes, false, { BENCH_N: "0.5" })).toBe(0.5);
    for (const bad of ["0", "-3", "many", "Infinity"]) {
      expect(() => benchSize("BENCH_N", sizes, false, { BENCH_N: bad })).toThrow(/BENCH_N must be a positive number/);
    }
  });
});
