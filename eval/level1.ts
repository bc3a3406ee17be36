// Level 1, the deploy gate: the real API and workers in this process, driven over HTTP with real API keys.
//   1. every must-block golden prompt is refused with its category and never queued;
//   2. every must-pass golden prompt SUCCEEDS with a playable MP4, fetched through its signed URL;
//   3. every clip's C2PA manifest verifies Trusted;
//   4. FREE jobs run exactly the FREE step budget, PLUS jobs the PLUS one;
//   5. the generated adversarial suite (eval/golden/prefilter/generate.ts, in process): every must-block
//      variant blocked, >= 99% of must-pass variants passed, figures per category and transformation.
// It prints a summary, writes report.json, and reports pass only when every check passed.
import { mkdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Tier } from "../src/config/config.js";
import { loadPrefilterGoldens } from "./golden/prefilter.js";
import { ME, type EvalClient } from "./lib/graphql.js";
import { checkBlocked } from "./lib/level1-blocked.js";
import { checkGenerated } from "./lib/level1-generated.js";
import { checkGeneration, type GenerationItem, type JobRecord } from "./lib/level1-generate.js";
import { requireFfprobe } from "./lib/mp4.js";
import { printSummary, writeReport, type Check, type Report } from "./lib/report.js";
import { startEvalStack, type EvalStack } from "./lib/stack.js";

export interface Level1Options {
  reportDir: string;
  /** model folder (KINEMA_MODEL_DIR); unset: the configuration's default */
  modelDir?: string;
  /** in-process workers */
  workers: number;
  /** concurrent submissions of must-block prompts */
  concurrency: number;
  /** must-pass prompts also run on the PLUS account */
  plusJobs: number;
  /** only the first N prompts of each golden set: a quick look, marked in the report, not a gate result */
  sample?: number;
}

interface Me { me: { id: string; tier: Tier; limits: { resolutions: string[]; minDurationSeconds: number; stepBudget: number } } }

export async function runLevel1(options: Level1Options): Promise<Report> {
  const started = Date.now();
  const ffprobe = requireFfprobe(); // before minutes of generation, not after
  const stack = await startEvalStack({ workers: options.workers, modelDir: options.modelDir });
  const interrupt = () => {
    console.error("interrupted: stopping Kinema and dropping the eval database");
    void stack.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let report: Report;
  try {
    report = await runChecks(stack, options, ffprobe, started);
  } catch (error) {
    // The harness itself broke (the API did not answer, ...): that is a failed gate, with a report saying why.
    report = {
      level: 1, passed: false, startedAt: new Date(started).toISOString(), finishedAt: "", wallSeconds: 0,
      environment: { database: stack.database.description }, checks: [], error: (error as Error).stack ?? String(error),
    };
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await stack.stop();
  }
  report.finishedAt = new Date().toISOString();
  report.wallSeconds = (Date.now() - started) / 1000;
  printSummary(report);
  const path = await writeReport(options.reportDir, report);
  console.log(`report: ${path}`);
  return report;
}

async function runChecks(stack: EvalStack, options: Level1Options, ffprobe: string, started: number): Promise<Report> {
  const { config, kinema } = stack;
  const model = await modelInfo(config.engine.modelDir);
  const free = await stack.account("FREE", "eval-level1-free");
  const plus = await stack.account("PLUS", "eval-level1-plus");
  // The tier comes from the key: each account's `me` must say so, and its limits set the job shape.
  const [freeMe, plusMe] = [await me(free.client), await me(plus.client)];
  if (freeMe.tier !== "FREE" || plusMe.tier !== "PLUS") throw new Error(`the API reads the keys as ${freeMe.tier}/${plusMe.tier}, expected FREE/PLUS`);
  const resolution = freeMe.limits.resolutions[0]!; // ascending: the smallest
  const durationSeconds = freeMe.limits.minDurationSeconds;
  const expectedSteps = { FREE: config.tiers.FREE.stepBudget, PLUS: config.tiers.PLUS.stepBudget };

  const sample = <T>(list: T[]) => (options.sample ? list.slice(0, options.sample) : list);
  const sets = loadPrefilterGoldens().map((set) => ({ ...set, prompts: sample(set.prompts) }));
  const passPrompts = sets.filter((s) => s.expect === "passed").flatMap((s) => s.prompts.map((p) => ({ set: s.name, prompt: p.text })));
  // PLUS first: fair share serves it ahead anyway, and its budget is then known early.
  const items: GenerationItem[] = [
    ...passPrompts.slice(0, options.plusJobs).map((p) => ({ ...p, tier: "PLUS" as const })),
    ...passPrompts.map((p) => ({ ...p, tier: "FREE" as const })),
  ].map((item, i) => ({ ...item, seed: i + 1 })); // distinct seeds: no request can be a cache hit

  const clipDir = join(stack.dataDir, "clips");
  await mkdir(clipDir, { recursive: true });
  console.log(`level 1: ${sets.filter((s) => s.expect === "blocked").reduce((n, s) => n + s.prompts.length, 0)} must-block prompts, `
    + `${items.length} generations (${passPrompts.length} FREE, ${Math.min(options.plusJobs, passPrompts.length)} PLUS) at ${resolution}, ${durationSeconds} s, `
    + `on ${options.workers} worker(s); model ${model.id}; ${stack.database.description}`);

  // The pre-filter submissions are cheap next to generation, so they run while the workers generate.
  const progress = setInterval(() => void reportProgress(stack, started), 30_000);
  let blocked: Check, generation: Awaited<ReturnType<typeof checkGeneration>>;
  try {
    [blocked, generation] = await Promise.all([
      checkBlocked({ clients: [free.client, plus.client], kinema, sets: sets.filter((s) => s.expect === "blocked"), concurrency: options.concurrency, durationSeconds, resolution }),
      checkGeneration({
        clients: { FREE: free.client, PLUS: plus.client }, kinema, items, durationSeconds, resolution, expectedSteps,
        trustAnchors: await stack.trustAnchors(), window: options.workers * 2, clipDir, jobTimeoutMs: 300_000,
      }),
    ]);
  } finally {
    clearInterval(progress);
  }
  // The generated suite after generation: a CPU-bound half minute that would otherwise slow the workers.
  const generated = checkGenerated(kinema.prefilter, options.sample ? 50 : 1);
  const checks = [blocked, generated.check, ...generation.checks];
  return {
    level: 1, passed: checks.every((c) => c.passed), sampled: options.sample,
    startedAt: new Date(started).toISOString(), finishedAt: "", wallSeconds: 0,
    environment: {
      database: stack.database.description,
      model: `${model.id} ${model.version}${model.trained === false ? " (untrained)" : ""} from ${config.engine.modelDir}`,
      engine: `${config.engine.provider}, profile ${config.engine.profile}, ${config.engine.threads || "all"} onnxruntime thread(s) per worker`,
      workers: options.workers,
      jobs: `${resolution}, ${durationSeconds} s at ${config.video.fps} fps; steps FREE ${expectedSteps.FREE}, PLUS ${expectedSteps.PLUS}`,
      machine: `${availableParallelism()} CPU(s), Node ${process.version}, ffprobe ${ffprobe}`,
      timing: timing(generation.records),
    },
    checks,
    details: {
      jobs: generation.records,
      prefilterSuite: {
        block: generated.suite.block, blockWithCategory: generated.suite.blockCategory, pass: generated.suite.pass,
        byGroup: generated.suite.byGroup, byTransform: generated.suite.byTransform, byTransformAlone: generated.suite.byTransformAlone,
        failures: generated.suite.failures.slice(0, 200), ms: generated.suite.ms,
      },
    },
  };
}

async function me(client: EvalClient): Promise<Me["me"]> {
  return (await client.request<Me>(ME)).me;
}

/** The served model's identity, for the report; a folder without model.json is a setup error. */
async function modelInfo(dir: string): Promise<{ id: string; version: string; trained?: boolean }> {
  const text = await readFile(join(dir, "model.json"), "utf8").catch(() => null);
  if (text === null) throw new Error(`no model at ${dir} (model.json is missing): build it (npm run model:build) or pass --model DIR`);
  return JSON.parse(text) as { id: string; version: string; trained?: boolean };
}

/** A line every 30 s, so a CI log shows the run is alive and how far it is. */
async function reportProgress(stack: EvalStack, started: number): Promise<void> {
  const { rows } = await stack.kinema.pool.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM jobs WHERE status <> 'BLOCKED' OR stage <> 'PREFILTER' GROUP BY status ORDER BY status`).catch(() => ({ rows: [] }));
  console.log(`  ${Math.round((Date.now() - started) / 1000)} s: ${rows.map((r) => `${r.status} ${r.n}`).join(", ") || "no jobs yet"}`);
}

function timing(records: JobRecord[]): string {
  const runs = records.map((r) => r.runSeconds).filter((s): s is number => s !== null).sort((a, b) => a - b);
  const queue = records.map((r) => r.queueSeconds).filter((s): s is number => s !== null).sort((a, b) => a - b);
  if (!runs.length) return "no job ran";
  const pct = (list: number[], p: number) => list[Math.min(list.length - 1, Math.floor(p * list.length))]!.toFixed(1);
  return `job run time p50 ${pct(runs, 0.5)} s, p95 ${pct(runs, 0.95)} s; queue wait p50 ${pct(queue, 0.5)} s, p95 ${pct(queue, 0.95)} s`;
}
