// npm run bench:smoke — runs every `bench:*` script of package.json (read there, so a bench added
// tomorrow is smoked without touching this file; bench:smoke itself excepted) once, in quick mode
// (`-- --quick` and BENCH_QUICK=1, the convention of bench/lib/quick.ts), one after another, and fails
// when any of them exits non-zero, outlives its time limit, or does not end its stdout with one JSON
// object (the house rule for benches). It proves the benches still run, which nothing else did: a
// bench broken on main went unnoticed until a user tried it (issue 20). Quick figures mean nothing.
//
// Output: one line per bench as it finishes, the failed bench's output tail, then a summary table and
// `N passed, M failed`. Exit status 1 when any failed. BENCH_SMOKE_TIMEOUT_S (default 240) bounds each.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const SELF = "bench:smoke";
const TAIL_LINES = 40;

export interface SmokeResult {
  bench: string;
  seconds: number;
  ok: boolean;
  /** why it failed; empty when ok */
  reason: string;
  /** the last lines of its stdout and stderr, for a failure's diagnosis */
  tail: string;
}

/** The `bench:*` scripts of a package.json, in its order, without bench:smoke. */
export function benchScripts(pkg: { scripts?: Record<string, string> }): string[] {
  return Object.keys(pkg.scripts ?? {}).filter((name) => name.startsWith("bench:") && name !== SELF);
}

/** The last non-empty line of `stdout` parsed as a JSON object, or why it is not one. */
export function lastJsonObject(stdout: string): { value: Record<string, unknown> } | { error: string } {
  const last = stdout.split("\n").map((l) => l.trim()).filter(Boolean).at(-1);
  if (last === undefined) return { error: "printed nothing on stdout" };
  const shown = last.length > 120 ? `${last.slice(0, 120)}...` : last;
  try {
    const value: unknown = JSON.parse(last);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return { value: value as Record<string, unknown> };
  } catch {
    // reported below
  }
  return { error: `last stdout line is not a JSON object: ${shown}` };
}

/** Runs `npm run -s <bench> -- --quick` in `cwd`; kills its whole process group after `timeoutMs`. */
export function runBench(bench: string, options: { cwd: string; timeoutMs: number }): Promise<SmokeResult> {
  const started = performance.now();
  // Its own process group (detached), so a timeout ends npm, the bench and whatever the bench started.
  const child = spawn("npm", ["run", "-s", bench, "--", "--quick"], {
    cwd: options.cwd, env: { ...process.env, BENCH_QUICK: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true,
  });
  let stdout = "";
  let output = ""; // stdout and stderr interleaved, for the tail
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk; output += chunk; });
  child.stderr.on("data", (chunk: Buffer) => { output += chunk; });
  const killGroup = (signal: NodeJS.Signals) => { try { process.kill(-child.pid!, signal); } catch { /* already gone */ } };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup("SIGTERM");
    setTimeout(() => killGroup("SIGKILL"), 5_000).unref();
  }, options.timeoutMs);
  const interrupted = () => killGroup("SIGTERM"); // Ctrl-C on the smoke run ends the bench too
  process.once("SIGINT", interrupted);
  let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  // Whatever the bench left running in its group goes when it exits: it would hold stdout open (no
  // "close") and show up as a timeout, or live on into the next bench's figures.
  child.once("exit", (code, signal) => { exit = { code, signal }; killGroup("SIGKILL"); });
  return new Promise((resolve) => {
    child.once("error", (error) => { output += `\n${String(error)}`; });
    child.once("close", () => {
      clearTimeout(timer);
      process.removeListener("SIGINT", interrupted);
      const { code, signal } = exit;
      const seconds = (performance.now() - started) / 1000;
      let reason = "";
      if (timedOut) reason = `timed out after ${options.timeoutMs / 1000} s`;
      else if (code !== 0) reason = `exited with ${code ?? signal}`;
      else {
        const json = lastJsonObject(stdout);
        if ("error" in json) reason = json.error;
      }
      const tail = output.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
      resolve({ bench, seconds, ok: reason === "", reason, tail });
    });
  });
}

/** Every bench of `cwd`'s package.json, one after another; `log` gets a line per bench as it ends. */
export async function runSmoke(options: { cwd: string; timeoutMs: number; log?: (line: string) => void }): Promise<SmokeResult[]> {
  const pkg = JSON.parse(readFileSync(join(options.cwd, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  const results: SmokeResult[] = [];
  for (const bench of benchScripts(pkg)) {
    options.log?.(`${bench} --quick ...`);
    const result = await runBench(bench, options);
    results.push(result);
    if (result.ok) options.log?.(`  ok in ${result.seconds.toFixed(1)} s`);
    else options.log?.(`  FAILED: ${bench}: ${result.reason} (after ${result.seconds.toFixed(1)} s); its last output:\n${result.tail.replace(/^/gm, "    | ")}`);
  }
  return results;
}

/** The summary table and the closing `N passed, M failed` line. */
export function summary(results: readonly SmokeResult[]): string {
  const rows = [["bench", "seconds", "ok"], ...results.map((r) => [r.bench, r.seconds.toFixed(1), r.ok ? "ok" : `FAILED: ${r.reason}`])];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]}`);
  const failed = results.filter((r) => !r.ok);
  const total = results.reduce((s, r) => s + r.seconds, 0);
  return [...lines, `total ${total.toFixed(1)} s`,
    ...(failed.length ? [`failed: ${failed.map((r) => r.bench).join(", ")}`] : []),
    `${results.length - failed.length} passed, ${failed.length} failed`].join("\n");
}

async function main(): Promise<void> {
  const timeoutS = Number(process.env.BENCH_SMOKE_TIMEOUT_S ?? 240);
  if (!(timeoutS > 0)) throw new Error(`BENCH_SMOKE_TIMEOUT_S must be a positive number of seconds, not ${JSON.stringify(process.env.BENCH_SMOKE_TIMEOUT_S)}`);
  const results = await runSmoke({ cwd: process.cwd(), timeoutMs: timeoutS * 1000, log: (line) => console.log(line) });
  if (results.length === 0) throw new Error("package.json has no bench:* scripts to smoke");
  console.log(`\n${summary(results)}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
