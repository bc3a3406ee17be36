// `npm run eval -- --level 1|2 [options]`: runs one eval level and exits 0 only when it passed.
// Level 1 is the deploy gate (eval/level1.ts, minutes, in CI); level 2 lives in eval/level2.ts.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runLevel1 } from "./level1.js";

const USAGE = `usage: npm run eval -- --level 1|2 [options]

Options:
  --level N          1: the deploy gate (real API + workers in-process, golden prompts); 2: see eval/level2.ts
  --report-dir DIR   where report.json goes (default eval/reports/<UTC timestamp>/)
  --model DIR        model folder to serve (default: KINEMA_MODEL_DIR, else the configuration's default)
  --workers N        level 1: in-process workers (default 2)
  --concurrency N    level 1: concurrent must-block submissions (default 8)
  --plus-jobs N      level 1: must-pass prompts also run on the PLUS account (default 3)
  --sample N         level 1: only the first N prompts of each golden set (a quick look, marked as such; not the gate)

Database: a throwaway database on DATABASE_URL's server, else TEST_DATABASE_URL's, else the local
PostgreSQL when it answers, else embedded PGlite; it is dropped at the end. Level 2 reads its own
options (--contrast, --prompts, --steps, --durations, --compare, --update-baseline, --no-safety: see
eval/level2.ts).`;

const OPTIONS = {
  level: { type: "string" }, "report-dir": { type: "string" }, model: { type: "string" }, workers: { type: "string" },
  concurrency: { type: "string" }, "plus-jobs": { type: "string" }, sample: { type: "string" }, help: { type: "boolean" },
} as const;

class UsageError extends Error {}

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

/** eval/reports/<timestamp>/, by this file's location so it works from any directory. */
function defaultReportDir(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-"); // no colons: valid on every file system
  return fileURLToPath(new URL(`./reports/${stamp}/`, import.meta.url));
}

async function main(argv: string[]): Promise<number> {
  // Level 2 has its own flags, so only the level is read before dispatching.
  const { values: loose } = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true });
  if (loose.help) return (console.log(USAGE), 0);
  const level = loose.level;
  const reportDir = typeof loose["report-dir"] === "string" ? loose["report-dir"] : defaultReportDir();
  const modelDir = typeof loose.model === "string" ? loose.model : undefined;

  if (level === "1") {
    const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
    const report = await runLevel1({
      reportDir, modelDir,
      workers: positiveInt("workers", values.workers, 2),
      concurrency: positiveInt("concurrency", values.concurrency, 8),
      plusJobs: positiveInt("plus-jobs", values["plus-jobs"], 3, 0),
      sample: values.sample === undefined ? undefined : positiveInt("sample", values.sample, 1),
    });
    return report.passed ? 0 : 1;
  }
  if (level === "2") {
    // A path in a variable: this file typechecks whether or not level2.ts exists yet.
    const path = "./level2.js";
    const mod = (await import(path)) as { runLevel2?: (options: Record<string, unknown>) => Promise<unknown> };
    if (typeof mod.runLevel2 !== "function") throw new Error("eval/level2.ts does not export runLevel2(options)");
    const result = await mod.runLevel2({
      reportDir, modelDir, argv,
      ...(typeof loose.workers === "string" ? { workers: positiveInt("workers", loose.workers, 2) } : {}),
      ...(typeof loose.concurrency === "string" ? { concurrency: positiveInt("concurrency", loose.concurrency, 8) } : {}),
    });
    return passed(result) ? 0 : 1;
  }
  throw new UsageError(level === undefined ? "--level is required" : `unknown level ${String(level)}`);
}

/** runLevel2's answer: a boolean, an exit code, or a report with `passed`. */
function passed(result: unknown): boolean {
  if (typeof result === "boolean") return result;
  if (typeof result === "number") return result === 0;
  return typeof result === "object" && result !== null && (result as { passed?: unknown }).passed === true;
}

main(process.argv.slice(2)).then(
  // exit explicitly: onnxruntime and the classifiers' runtimes can keep handles open after stop()
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
