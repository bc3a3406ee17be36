// Denoising benchmark: ms per DiT step inside the real worker (startKinema, one worker, the production
// stages, real onnxruntime, PostgreSQL, checkpoints every 10 steps, previews every 5 at most one per
// KINEMA_PREVIEW_MIN_MS, step events at most every KINEMA_STEP_EVENT_INTERVAL_MS) against a bare
// `model.denoise` loop over the same graph and the same CFG batch of two, at two geometries of
// kinema-tiny. Also: tokens and estimated FLOPs per step, achieved GFLOP/s, checkpoint write time, VAE
// decode and MP4 encode per clip, peak RSS, and, from one instrumented job per geometry, where the
// worker's time per step goes. Prints tables; the last stdout line is one JSON object.
//
// Worker and bare loop alternate (bare block, worker job, bare block, ...) so drift on a shared VM hits
// both; each figure is the median over BENCH_ROUNDS rounds. Both use the same onnxruntime thread count
// (BENCH_ORT_THREADS, default 0 = onnxruntime's default, which is what KINEMA_ORT_THREADS=0 gives).
//
// --quick (or BENCH_QUICK=1, bench/lib/quick.ts): one round of 12-step jobs (one checkpoint, two
// previews) and a few calls of each direct measurement, at the default geometry only (the 10 s one runs
// the same code at ~1 s a step, half the smoke run's time): every path, none of the figures.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ort from "onnxruntime-node"; // only for the spinning diagnostic; everything else goes through LoadedModel
import pg from "pg";
import { startKinema, type Kinema } from "../src/app.js";
import { loadConfig, type Config, type Tier } from "../src/config/config.js";
import { encodeCheckpoint } from "../src/engine/checkpoint.js";
import { decodeToRawFrames } from "../src/engine/decode.js";
import { encodeMp4 } from "../src/engine/encode.js";
import { geometryFor, type Geometry, type JobGeometryInput } from "../src/engine/geometry.js";
import { guide, hasNonFinite } from "../src/engine/numerics.js";
import { previewPng } from "../src/engine/preview.js";
import { Rng } from "../src/engine/rng.js";
import { LoadedModel, type Tensor } from "../src/engine/runtime.js";
import { samplerStep, timeGrid } from "../src/engine/sampler.js";
import { tokenize } from "../src/engine/tokenizer.js";
import { PgEventBus } from "../src/events/pg.js";
import { createLogger } from "../src/log.js";
import { DiskObjectStore } from "../src/storage/disk.js";
import type { ObjectStore } from "../src/storage/store.js";
import type { Stage, StageContext } from "../workers/pipeline.js";
import type { JobOutcome } from "../workers/runner.js";
import { productionStages, type StageDeps } from "../workers/stages/index.js";
import { checkpointKey } from "../src/storage/job-objects.js";
import { insertAccount, withBenchDatabase } from "./lib/db.js";
import { ditFlops } from "./lib/dit-flops.js";
import { benchSize, isQuick } from "./lib/quick.js";
import { deferred, percentile, round, sleep, table, withTimeout } from "./lib/stats.js";

process.env.LOG_LEVEL ??= "silent"; // read by createLogger at call time

const QUICK = isQuick();
const ROUNDS = benchSize("BENCH_ROUNDS", { full: 5, quick: 1 });
const STEPS = benchSize("BENCH_STEPS", { full: 50, quick: 12 }); // full: PLUS's step budget
const TIER: Tier = STEPS === 30 ? "FREE" : "PLUS";
const THREADS = Number(process.env.BENCH_ORT_THREADS ?? 0);
const CHECKPOINT_EVERY = 10;
const GOAL = 1.05;
const JOB_TIMEOUT_MS = 120_000;
const PROMPT = "a red circle moving left on a blue background";
/** what JobService writes for R480P (src/jobs/policy.ts) */
const OUTPUT = { width: 854, height: 480, fps: 24 };

interface Case {
  key: string;
  label: string;
  job: JobGeometryInput;
  /** bare model calls per round (after a warm-up) */
  bareCalls: number;
  /** direct VAE decode + MP4 encode repetitions */
  decodeRepeat: number;
  /** JS-loop iterations for the guidance/sampler/NaN-check timings */
  loopIterations: number;
  /** spinPenalty's rounds, and its denoiser calls after the text encoder (first) and as the base (steady) */
  spin: { repeat: number; first: number; steady: number };
}

/** The figures below are kinema-tiny's (the issue's reference model), whatever the shipped default is. */
const MODEL_DIR = "models/kinema-tiny";

// The larger geometry: the "cpu" profile at 10 s (5x the default's tokens; self-attention scores are 75%
// of its FLOPs, against 37% at the default). The "full" profile (R480P 1 s: latent [4,6,60,106], 9,540
// tokens) takes ~1.2 s a step on 2 cores, so 50 steps x rounds would not fit the run's time budget.
const CASES: Case[] = [
  { key: "cpu", label: "cpu profile, R480P 2 s (default)", job: { resolution: "R480P", durationSeconds: 2, fps: 24 }, bareCalls: 50, decodeRepeat: 3, loopIterations: 400, spin: { repeat: 4, first: 3, steady: 3 } },
  { key: "cpu10s", label: "cpu profile, R480P 10 s", job: { resolution: "R480P", durationSeconds: 10, fps: 24 }, bareCalls: 15, decodeRepeat: 1, loopIterations: 100, spin: { repeat: 2, first: 2, steady: 2 } },
].flatMap((c, i) => (!QUICK ? [c] : i > 0 ? [] : [{ ...c, bareCalls: 3, decodeRepeat: 1, loopIterations: 10, spin: { repeat: 1, first: 2, steady: 1 } }]));
const WRITE_REPEAT = QUICK ? 2 : 15; // checkpoint and preview writes timed per geometry

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: readonly number[]) => percentile(xs, 50);
const size = (g: Geometry) => g.latent.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------------------
// The bare loop and the direct measurements

/** [uncond; cond] text embeddings and mask, exactly as src/engine/denoise.ts builds them. */
async function encodePrompt(model: LoadedModel, prompt: string): Promise<{ text: Tensor; mask: Int32Array }> {
  const spec = model.manifest.tokenizer;
  const [cond, uncond] = [tokenize(prompt, spec), tokenize("", spec)];
  const ids = new BigInt64Array(2 * spec.maxLength);
  ids.set(uncond.ids, 0);
  ids.set(cond.ids, spec.maxLength);
  const mask = new Int32Array(2 * spec.maxLength);
  mask.set(uncond.mask, 0);
  mask.set(cond.mask, spec.maxLength);
  return { text: await model.encodeText(ids, 2), mask };
}

type Prompt = Awaited<ReturnType<typeof encodePrompt>>;

/**
 * `calls` bare model.denoise calls on the CFG batch; no guidance, sampler, NaN check or I/O. The text is
 * encoded once beforehand (see spinPenalty: a text-encoder run slows the next denoiser calls), and
 * `warmup` calls are dropped (the first calls after the worker's job share the cores with its
 * sessions' spinning threads and ffmpeg's exit).
 */
async function bareSteps(model: LoadedModel, geometry: Geometry, prompt: Prompt, calls: number, warmup = 3): Promise<number[]> {
  const { text, mask } = prompt;
  const n = size(geometry);
  const latent = Rng.fromSeed(1).normal(new Float32Array(n));
  const batch = new Float32Array(2 * n);
  batch.set(latent, 0);
  batch.set(latent, n);
  const dims = [2, ...geometry.latent];
  const grid = timeGrid(model.manifest.sampler.default, STEPS, model.manifest.prediction, model.manifest.sampler.flowShift);
  const samples: number[] = [];
  for (let i = 0; i < warmup + calls; i++) {
    const t = grid[i % STEPS]!;
    const began = performance.now();
    await model.denoise({ data: batch, dims }, new Float32Array([t, t]), text, mask);
    if (i >= warmup) samples.push(performance.now() - began);
  }
  return samples;
}

const IDLE_BEFORE_JOB_MS = 200;

/**
 * What one text-encoder run costs the denoiser calls right after it, in ms (sum over the first `first`
 * calls of their excess over the steady call), with the text-encoder session as production builds it
 * (onnxruntime's default: intra-op threads spin after a run) and with `session.intra_op.allow_spinning`
 * off. The worker encodes the prompt right before its first step, so the production figure is paid by
 * every job. Same denoiser session (the bare model's) in both.
 */
async function spinPenalty(model: LoadedModel, geometry: Geometry, prompt: Prompt, { repeat, first, steady }: Case["spin"]): Promise<{ spinning: number; noSpin: number }> {
  const spec = model.manifest.textEncoder;
  const ids = new BigInt64Array(2 * model.manifest.tokenizer.maxLength).fill(5n);
  const noSpin = await ort.InferenceSession.create(await readFile(join(model.dir, spec.file)), {
    executionProviders: ["cpu"], graphOptimizationLevel: "all",
    ...(THREADS ? { intraOpNumThreads: THREADS, interOpNumThreads: 1 } : {}),
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  });
  const encoders = {
    spinning: () => model.encodeText(ids, 2),
    noSpin: () => noSpin.run({ [spec.inputs.ids]: new ort.Tensor("int64", ids, [2, ids.length / 2]) }),
  };
  const excess = { spinning: [] as number[], noSpin: [] as number[] };
  try {
    await bareSteps(model, geometry, prompt, 3, 0);
    for (let r = 0; r < repeat; r++) {
      for (const name of ["spinning", "noSpin"] as const) {
        await bareSteps(model, geometry, prompt, steady, 0);
        await sleep(IDLE_BEFORE_JOB_MS); // the denoiser's threads park between jobs, as in the worker
        await encoders[name]();
        const calls = await bareSteps(model, geometry, prompt, first + steady, 0);
        const base = median(calls.slice(first));
        excess[name].push(calls.slice(0, first).reduce((a, ms) => a + (ms - base), 0));
      }
    }
  } finally {
    await noSpin.release();
  }
  return { spinning: median(excess.spinning), noSpin: median(excess.noSpin) };
}

/** Mean ms of `fn` over `iterations` runs (after one untimed run). */
function timeLoop(iterations: number, fn: () => void): number {
  fn();
  const began = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (performance.now() - began) / iterations;
}

interface StepLoops { copyMs: number; guideMs: number; samplerMs: number; nanMs: number; totalMs: number }

/** The JS work inside one worker step besides the model call (src/engine/denoise.ts), per step. */
function stepLoops(model: LoadedModel, geometry: Geometry, iterations: number): StepLoops {
  const n = size(geometry);
  const rng = Rng.fromSeed(2);
  const latent = rng.normal(new Float32Array(n));
  const out = rng.normal(new Float32Array(2 * n)).map((v) => v * 0.01);
  const batch = new Float32Array(2 * n);
  const guided = new Float32Array(n);
  const { sampler: { default: sampler, guidanceScale }, prediction } = model.manifest;
  const copyMs = timeLoop(iterations, () => { batch.set(latent, 0); batch.set(latent, n); });
  const guideMs = timeLoop(iterations, () => void guide(out, guidanceScale, guided));
  // t and next close together so `latent` stays finite over many iterations
  const samplerMs = timeLoop(iterations, () => samplerStep(sampler, prediction, latent, guided, 0.5, 0.4999));
  const nanMs = timeLoop(iterations, () => void hasNonFinite(latent));
  return { copyMs, guideMs, samplerMs, nanMs, totalMs: copyMs + guideMs + samplerMs + nanMs };
}

interface Writes { checkpointEncodeMs: number; checkpointWriteMs: number; previewPngMs: number; previewWriteMs: number; checkpointBytes: number }

/** encodeCheckpoint + DiskObjectStore.put (the worker's checkpoint write, minus its DB row), and a preview. */
async function writes(model: LoadedModel, geometry: Geometry, dir: string, repeat = WRITE_REPEAT): Promise<Writes> {
  const store = new DiskObjectStore(join(dir, "objects"));
  const latent = Rng.fromSeed(3).normal(new Float32Array(size(geometry)));
  const rng = Rng.fromSeed(3).state;
  const encode = (step: number) => encodeCheckpoint({ step, totalSteps: STEPS, sampler: "flow-euler", guidance: model.manifest.sampler.guidanceScale, modelHash: model.hash, shape: geometry.latent, rng, latent });
  const encodeMs: number[] = [];
  const writeMs: number[] = [];
  const pngMs: number[] = [];
  const previewMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i <= repeat; i++) { // the first round is a warm-up
    const t0 = performance.now();
    const buffer = encode(i + 1);
    const t1 = performance.now();
    await store.put(checkpointKey("bench", 1, i + 1), buffer, "application/octet-stream");
    const t2 = performance.now();
    const png = previewPng(latent, geometry.latent);
    const t3 = performance.now();
    await store.put(`previews/bench/${i + 1}.png`, png, "image/png");
    const t4 = performance.now();
    if (i === 0) continue;
    bytes = buffer.length;
    encodeMs.push(t1 - t0); writeMs.push(t2 - t0); pngMs.push(t3 - t2); previewMs.push(t4 - t2);
  }
  return { checkpointEncodeMs: median(encodeMs), checkpointWriteMs: median(writeMs), previewPngMs: median(pngMs), previewWriteMs: median(previewMs), checkpointBytes: bytes };
}

/** decodeToRawFrames + encodeMp4 of one clip, as the DECODING stage runs them (a noise latent). */
async function decodeEncode(model: LoadedModel, c: Case, geometry: Geometry, dir: string): Promise<{ decodeMs: number; encodeMs: number }> {
  const latent = Rng.fromSeed(4).normal(new Float32Array(size(geometry)));
  const decodeMs: number[] = [];
  const encodeMs: number[] = [];
  for (let i = 0; i < c.decodeRepeat; i++) {
    const t0 = performance.now();
    const frames = await decodeToRawFrames(model, latent, geometry, join(dir, `${c.key}.rgb`));
    const t1 = performance.now();
    await encodeMp4(frames, { path: join(dir, `${c.key}.mp4`), width: OUTPUT.width, height: OUTPUT.height, fps: OUTPUT.fps, durationSeconds: c.job.durationSeconds });
    decodeMs.push(t1 - t0);
    encodeMs.push(performance.now() - t1);
  }
  return { decodeMs: median(decodeMs), encodeMs: median(encodeMs) };
}

// ---------------------------------------------------------------------------------------------------
// The worker

/**
 * Records the DENOISING stage's writes: progress and checkpoint rows (through the stage context) and
 * object-store puts (through the store the stages get). Only the instrumented Kinema uses it; the
 * measured jobs run `productionStages(deps)` untouched.
 */
class Probe {
  readonly spans: { what: string; start: number; end: number; step?: number; key?: string }[] = [];

  stages(deps: StageDeps): Stage[] {
    const store = this.store(deps.store);
    return productionStages({ ...deps, store }).map((stage) => ({
      stage: stage.stage,
      run: (ctx: StageContext) => this.time(`stage:${stage.stage}`, () => stage.run(this.context(ctx))),
    }));
  }

  clear(): void {
    this.spans.length = 0;
  }

  private async time<T>(what: string, fn: () => Promise<T>, extra: { step?: number; key?: string } = {}): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.spans.push({ what, start, end: performance.now(), ...extra });
    }
  }

  private context(ctx: StageContext): StageContext {
    return {
      ...ctx,
      progress: (update) => this.time(update.stepsCompleted === undefined ? "progress:metadata" : "progress:step", () => ctx.progress(update), { step: update.stepsCompleted }),
      checkpoint: (key, step) => this.time("checkpoint:row", () => ctx.checkpoint(key, step), { step, key }),
    };
  }

  private store(inner: ObjectStore): ObjectStore {
    return {
      put: (key, data, type) => this.time(key.startsWith("checkpoints/") ? "put:checkpoint" : key.startsWith("previews/") ? "put:preview" : "put:other", () => inner.put(key, data, type), { key }),
      putFile: (key, path, type) => inner.putFile(key, path, type),
      get: (key) => inner.get(key),
      open: (key) => inner.open(key),
      delete: (key) => inner.delete(key),
      list: (prefix) => inner.list(prefix),
    };
  }
}

interface JobResult {
  id: string;
  stageMs: Record<string, number>;
  stepMs: number[];
  decodeMs: number;
  encodeMs: number;
  /** steps of the job whose event never reached a subscriber on the bus (PostgreSQL LISTEN, as the API's) */
  unheardSteps: number;
}

/** Steps heard on the bus per job: the subscriber side of "every step reaches its subscribers". */
const heardSteps = new Map<string, Set<number>>();

interface BenchKinema {
  kinema: Kinema;
  run(job: JobGeometryInput, steps: number, seed: number): Promise<JobResult>;
  stop(): Promise<void>;
}

async function startWorker(databaseUrl: string, dataDir: string, accountId: string, probe: Probe | null): Promise<BenchKinema> {
  // The env of test/helpers/engine.ts, with checkpoints every 10 steps and the bench's thread count.
  const config: Config = loadConfig({
    KINEMA_MODEL_DIR: MODEL_DIR, DATABASE_URL: databaseUrl, PORT: "0", KINEMA_DATA_DIR: dataDir,
    KINEMA_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY), KINEMA_ORT_THREADS: String(THREADS),
  });
  const outcomes = new Map<string, ReturnType<typeof deferred<JobOutcome>>>();
  const outcome = (id: string) => outcomes.get(id) ?? outcomes.set(id, deferred<JobOutcome>()).get(id)!;
  const kinema = await startKinema({
    config, log: createLogger("bench"), api: false, workers: 1,
    stages: probe ? (deps) => probe.stages(deps) : (deps) => productionStages(deps),
    onJobDone: (id, result) => outcome(id).resolve(result),
  });
  // The subscriber side is an API process's: its own LISTEN connection on the step channel too (the
  // worker-only process's bus is not sent step events; src/events/pg.ts).
  const subscriber = await PgEventBus.connect(databaseUrl, kinema.pool);
  subscriber.subscribe((event) => {
    if (event.kind !== "job" || event.stepsCompleted === undefined) return;
    (heardSteps.get(event.jobId) ?? heardSteps.set(event.jobId, new Set()).get(event.jobId)!).add(event.stepsCompleted);
  });
  return {
    kinema,
    async run(job, steps, seed) {
      const { rows } = await kinema.pool.query<{ id: string }>(
        `INSERT INTO jobs (account_id, tier, status, stage, prompt, resolution, width, height, duration_seconds, fps, seed, step_budget, max_attempts)
         VALUES ($1, $2, 'QUEUED', 'QUEUED', $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id`,
        [accountId, TIER, PROMPT, job.resolution, OUTPUT.width, OUTPUT.height, job.durationSeconds, job.fps, seed, steps]);
      const id = rows[0]!.id;
      // Wake the idle worker as JobService's enqueue does.
      await kinema.bus.publish({ kind: "job", jobId: id, status: "QUEUED", stage: "QUEUED", queueChanged: true });
      const result = await withTimeout(outcome(id).promise, JOB_TIMEOUT_MS, `job ${id}`);
      const row = (await kinema.pool.query<{ status: string; metadata: any }>(`SELECT status, metadata FROM jobs WHERE id = $1`, [id])).rows[0]!;
      if (result !== "succeeded" || row.status !== "SUCCEEDED") throw new Error(`job ${id} ended ${result} (${row.status}): ${JSON.stringify(row.metadata.failures ?? null)}`);
      const { denoise, decode, stageMs } = row.metadata;
      if (denoise.stepsExecuted !== steps) throw new Error(`job ${id} executed ${denoise.stepsExecuted} of ${steps} steps`);
      // every step's event was published before the completion's; give the LISTEN connection a moment
      const unheard = () => steps - (heardSteps.get(id)?.size ?? 0);
      for (const end = Date.now() + 2_000; unheard() > 0 && Date.now() < end;) await sleep(20);
      return { id, stageMs, stepMs: denoise.stepMs, decodeMs: decode.decodeMs, encodeMs: decode.encodeMs, unheardSteps: unheard() };
    },
    stop: async () => {
      await subscriber.close();
      await kinema.stop();
    },
  };
}

/** Where one instrumented job's DENOISING wall time went, in ms per step. */
interface Breakdown {
  wallMs: number;
  /** mean of the job's stepMs (batch copy, model call, guidance, sampler, NaN check; with the look-ahead, the wall time between two steps' ends) */
  stepMs: number;
  /** the first FIRST_STEPS steps' excess over the job's median step */
  firstStepsExcessMs: number;
  /**
   * The next three run in onStep, which runs while the next step's model call does (the loop's
   * look-ahead, src/engine/denoise.ts): in the steps' time where they overlap it, not added to it.
   * progress writes of every step but the last
   */
  progressMs: number;
  /** encodeCheckpoint (direct median); its put and row write run in the background */
  checkpointMs: number;
  /** previewPng (direct median) of every preview but the last step's; its put runs in the background */
  previewMs: number;
  /** the checkpoints' puts and row writes and the previews' puts, but the last step's: overlapped too */
  backgroundMs: number;
  /** the last step's onStep, after the last model call: its preview (PNG + put) and progress write */
  lastStepMs: number;
  setupMs: number;
  finalWriteMs: number;
  otherMs: number;
  progressP50: number;
  progressP99: number;
}

/** Steps after the prompt's encoding that its thread pool's spinning slows (see spinPenalty). */
const FIRST_STEPS = 3;

function firstStepsExcess(stepMs: readonly number[]): number {
  const base = median(stepMs);
  return stepMs.slice(0, FIRST_STEPS).reduce((a, ms) => a + Math.max(0, ms - base), 0);
}

function breakdown(probe: Probe, job: JobResult, steps: number, writes: Writes): Breakdown {
  const stage = probe.spans.find((s) => s.what === "stage:DENOISING")!;
  const inStage = probe.spans.filter((s) => s.what !== stage.what && s.start >= stage.start && s.end <= stage.end);
  const spans = (what: string) => inStage.filter((s) => s.what === what);
  const total = (what: string) => spans(what).reduce((a, s) => a + (s.end - s.start), 0);
  const progress = spans("progress:step").map((s) => s.end - s.start);
  const checkpoints = spans("put:checkpoint").length;
  const previews = spans("put:preview").length;
  const wall = stage.end - stage.start;
  const stepSum = job.stepMs.reduce((a, b) => a + b, 0);
  // The last step's preview is stored on the step (the stage waits for it before its last progress write).
  const lastPreview = spans("put:preview").filter((s) => s.key?.endsWith(`-${steps}.png`));
  const lastPreviewMs = lastPreview.reduce((a, s) => a + (s.end - s.start), 0);
  const lastProgressMs = spans("progress:step").filter((s) => s.step === steps).reduce((a, s) => a + (s.end - s.start), 0);
  // On the steps' path: before step 1's first write (model cache, geometry, checkpoint lookup, text
  // encoding, initial noise), the last step's onStep, and the final metadata write.
  const serial = {
    setupMs: Math.min(...inStage.map((s) => s.start)) - stage.start - job.stepMs[0]!,
    lastStepMs: lastProgressMs + lastPreviewMs + lastPreview.length * writes.previewPngMs,
    finalWriteMs: total("progress:metadata"),
  };
  const attributed = stepSum + Object.values(serial).reduce((a, b) => a + b, 0);
  const per = (ms: number) => ms / steps;
  return {
    wallMs: per(wall), stepMs: per(stepSum), firstStepsExcessMs: per(firstStepsExcess(job.stepMs)), otherMs: per(wall - attributed),
    // encodeCheckpoint and previewPng run in onStep before their put, out of the probe's sight: the
    // direct medians. The puts and the checkpoint's row write run while the next steps do (step-writes.ts).
    progressMs: per(total("progress:step") - lastProgressMs),
    checkpointMs: per(checkpoints * writes.checkpointEncodeMs),
    previewMs: per((previews - lastPreview.length) * writes.previewPngMs),
    backgroundMs: per(total("put:checkpoint") + total("checkpoint:row") + total("put:preview") - lastPreviewMs),
    ...(Object.fromEntries(Object.entries(serial).map(([k, v]) => [k, per(v)])) as typeof serial),
    progressP50: percentile(progress, 50), progressP99: percentile(progress, 99),
  };
}

// ---------------------------------------------------------------------------------------------------

interface CaseResult {
  c: Case;
  geometry: Geometry;
  prompt: Prompt;
  loops: StepLoops;
  writes: Writes;
  direct: { decodeMs: number; encodeMs: number };
  spin: { spinning: number; noSpin: number };
  bareRoundMs: number[];
  bareSamples: number[];
  jobs: JobResult[];
  breakdown?: Breakdown;
}

async function main(): Promise<void> {
  const began = performance.now();
  const scratch = await mkdtemp(join(tmpdir(), "kinema-bench-denoise-"));
  const modelDir = MODEL_DIR;
  console.log(`denoise benchmark${QUICK ? " (quick)" : ""}: kinema-tiny (${modelDir}), ${STEPS}-step ${TIER} jobs, ${ROUNDS} rounds, checkpoint every ${CHECKPOINT_EVERY}, ORT threads ${THREADS || "default"}`);
  const bare = await LoadedModel.load(modelDir, "cpu", THREADS || undefined);
  const results: CaseResult[] = [];
  try {
    // Direct measurements first: JS loops, checkpoint/preview writes, decode + encode, the spin diagnostic.
    for (const c of CASES) {
      const geometry = geometryFor(c.job, bare.manifest, "cpu");
      const prompt = await encodePrompt(bare, PROMPT);
      const loops = stepLoops(bare, geometry, c.loopIterations);
      const w = await writes(bare, geometry, scratch);
      const direct = await decodeEncode(bare, c, geometry, scratch);
      const spin = await spinPenalty(bare, geometry, prompt, c.spin);
      results.push({ c, geometry, prompt, loops, writes: w, direct, spin, bareRoundMs: [], bareSamples: [], jobs: [] });
      console.log(`  ${c.key}: latent [${geometry.latent.join(",")}], ${geometry.tokens} tokens; checkpoint write ${round(w.checkpointWriteMs)} ms, `
        + `decode ${round(direct.decodeMs, 0)} ms, encode ${round(direct.encodeMs, 0)} ms, text-encoder spin penalty ${round(spin.spinning, 1)} ms/job (${round(spin.noSpin, 1)} without spinning)`);
    }

    await withBenchDatabase(true, async (db) => {
      const dataDir = join(scratch, "data");
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const accountId = await insertAccount(client);
      await client.end();

      // The measured worker: productionStages untouched. A short warm-up job loads the model first.
      const worker = await startWorker(db.url, dataDir, accountId, null);
      try {
        await worker.run(CASES[0]!.job, 2, 0);
        for (let r = 1; r <= ROUNDS; r++) {
          for (const result of results) {
            const samples = await bareSteps(bare, result.geometry, result.prompt, result.c.bareCalls);
            result.bareSamples.push(...samples);
            result.bareRoundMs.push(mean(samples));
            // The bare session's threads spin on after its last call; let them park so they do not
            // slow the job's first steps (a production worker has no second denoiser session).
            await sleep(IDLE_BEFORE_JOB_MS);
            const job = await worker.run(result.c.job, STEPS, r);
            result.jobs.push(job);
            console.log(`  round ${r} ${result.c.key}: bare ${round(mean(samples))} ms/step; worker ${round(job.stageMs.DENOISING! / STEPS)} ms/step wall, `
              + `${round(mean(job.stepMs))} model+sampler (median ${round(median(job.stepMs))}, first ${FIRST_STEPS} steps +${round(firstStepsExcess(job.stepMs), 1)} ms)`);
          }
        }
      } finally {
        await worker.stop();
      }

      // One instrumented job per geometry, in a second Kinema, for the breakdown.
      const probe = new Probe();
      const instrumented = await startWorker(db.url, dataDir, accountId, probe);
      try {
        await instrumented.run(CASES[0]!.job, 2, 0);
        for (const result of results) {
          probe.clear();
          const job = await instrumented.run(result.c.job, STEPS, 100);
          result.breakdown = breakdown(probe, job, STEPS, result.writes);
        }
      } finally {
        await instrumented.stop();
      }
    });
  } finally {
    await bare.release();
    await rm(scratch, { recursive: true, force: true });
  }

  const peakRssBytes = process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB
  const out: Record<string, number | boolean | string> = { bench: "denoise", quick: QUICK };
  const summary: (string | number)[][] = [];
  const verdicts: string[] = [];
  for (const r of results) {
    const { c, geometry, jobs } = r;
    const workerMs = median(jobs.map((j) => j.stageMs.DENOISING! / STEPS));
    const bareMs = median(r.bareRoundMs);
    const ratio = workerMs / bareMs;
    const flops = ditFlops(bare.manifest, geometry);
    const gflop = flops.perStep / 1e9;
    const stepMean = median(jobs.map((j) => mean(j.stepMs)));
    const outOfStep = median(jobs.map((j) => (j.stageMs.DENOISING! - j.stepMs.reduce((a, b) => a + b, 0)) / STEPS));
    const firstExcess = median(jobs.map((j) => firstStepsExcess(j.stepMs)));
    // The ratio if the text encoder's threads did not spin: the diagnostic's spin penalty (at most the
    // job's own first-steps excess) less what remains without spinning, taken off every job.
    const projected = (workerMs - Math.max(0, Math.min(firstExcess, r.spin.spinning) - r.spin.noSpin) / STEPS) / bareMs;
    summary.push([c.key, `[${geometry.latent.join(",")}]`, geometry.tokens, round(gflop, 3), `${round(100 * flops.attentionShare, 0)}%`, round(bareMs), round(stepMean), round(outOfStep), round(workerMs), round(ratio, 3), round(gflop / (bareMs / 1000), 1)]);
    verdicts.push(`  ${c.key} (${c.label}): overhead ratio ${round(ratio, 3)} -> goal <= ${GOAL} ${ratio <= GOAL ? "MET" : "MISSED"}`
      + ` (first ${FIRST_STEPS} steps of each job +${round(firstExcess, 1)} ms; without the text encoder's spinning threads ~${round(projected, 3)})`);
    Object.assign(out, {
      [`worker_ms_per_step_${c.key}`]: round(workerMs),
      [`worker_model_sampler_ms_per_step_${c.key}`]: round(stepMean),
      [`worker_out_of_step_ms_per_step_${c.key}`]: round(outOfStep, 3),
      [`worker_first_steps_excess_ms_per_job_${c.key}`]: round(firstExcess, 1),
      [`bare_ms_per_step_${c.key}`]: round(bareMs),
      [`bare_p50_ms_per_step_${c.key}`]: round(median(r.bareSamples)),
      [`overhead_ratio_${c.key}`]: round(ratio, 3),
      [`overhead_goal_met_${c.key}`]: ratio <= GOAL,
      [`projected_ratio_no_text_spin_${c.key}`]: round(projected, 3),
      [`tokens_per_item_${c.key}`]: geometry.tokens,
      [`tokens_per_step_${c.key}`]: 2 * geometry.tokens,
      [`gflop_per_step_${c.key}`]: round(gflop, 3),
      [`attention_flop_share_${c.key}`]: round(flops.attentionShare, 3),
      [`achieved_gflops_${c.key}`]: round(gflop / (bareMs / 1000), 1),
      [`checkpoint_write_ms_${c.key}`]: round(r.writes.checkpointWriteMs, 3),
      [`checkpoint_bytes_${c.key}`]: r.writes.checkpointBytes,
      [`vae_decode_ms_per_clip_${c.key}`]: round(r.direct.decodeMs, 1),
      [`encode_ms_per_clip_${c.key}`]: round(r.direct.encodeMs, 1),
      [`worker_vae_decode_ms_per_clip_${c.key}`]: median(jobs.map((j) => j.decodeMs)),
      [`worker_encode_ms_per_clip_${c.key}`]: median(jobs.map((j) => j.encodeMs)),
      [`text_spin_penalty_ms_per_job_${c.key}`]: round(r.spin.spinning, 1),
      [`text_nospin_penalty_ms_per_job_${c.key}`]: round(r.spin.noSpin, 1),
    });
  }

  console.log(`\nms per denoising step, median of ${ROUNDS} rounds (worker wall = stageMs.DENOISING / ${STEPS}: model, sampler, progress, previews, checkpoints)`);
  console.log(table(["geometry", "latent", "tokens/item", "GFLOP/step", "attn", "bare", "worker step", "out-of-step", "worker wall", "ratio", "GFLOP/s"], summary));
  console.log(verdicts.join("\n"));

  console.log(`\nwhere the worker's time per step goes (ms per step; one instrumented ${STEPS}-step job per geometry)`);
  const rows: (string | number)[][] = [];
  const line = (name: string, f: (r: CaseResult, b: Breakdown) => number) => rows.push([name, ...results.map((r) => round(f(r, r.breakdown!), 3))]);
  line("bare model call (bare loop, median of rounds)", (r) => median(r.bareRoundMs));
  line(`in-step: first ${FIRST_STEPS} steps after text encoding, excess`, (_, b) => b.firstStepsExcessMs);
  line("in-step: rest (mean step - bare - above; drift too)", (r, b) => b.stepMs - median(r.bareRoundMs) - b.firstStepsExcessMs);
  line("  of which copies+guide+sampler+NaN (measured)", (r) => r.loops.totalMs);
  line("last step's preview + progress write (after the last model call)", (_, b) => b.lastStepMs);
  line("per-job setup + final metadata write", (_, b) => b.setupMs + b.finalWriteMs);
  line("other (unattributed)", (_, b) => b.otherMs);
  line("= worker wall (instrumented job)", (_, b) => b.wallMs);
  line("overlapping the next model call (in the steps' time as far as they slow it):", () => 0);
  line("  progress writes (batched events; row every KINEMA_PROGRESS_ROW_MS)", (_, b) => b.progressMs);
  line(`  checkpoint every ${CHECKPOINT_EVERY}: encode (est.)`, (_, b) => b.checkpointMs);
  line("  previews (every 5 steps, at most one per KINEMA_PREVIEW_MIN_MS): PNG (est.)", (_, b) => b.previewMs);
  line("  checkpoint puts + rows, preview puts", (_, b) => b.backgroundMs);
  console.log(table(["component", ...results.map((r) => r.c.key)], rows));

  console.log(`\nother figures`);
  console.log(table(["figure", ...results.map((r) => r.c.key)], [
    ["progress write p50 / p99 (ms)", ...results.map((r) => `${round(r.breakdown!.progressP50)} / ${round(r.breakdown!.progressP99)}`)],
    ["checkpoint write: encode + DiskObjectStore.put (ms, median)", ...results.map((r) => round(r.writes.checkpointWriteMs, 3))],
    ["preview: PNG / PNG + put (ms, median)", ...results.map((r) => `${round(r.writes.previewPngMs, 3)} / ${round(r.writes.previewWriteMs, 3)}`)],
    ["guide / sampler / NaN check / copies (ms)", ...results.map((r) => [r.loops.guideMs, r.loops.samplerMs, r.loops.nanMs, r.loops.copyMs].map((v) => round(v, 3)).join(" / "))],
    ["denoiser slowdown after a text-encoder run (ms/job): spin / no spin", ...results.map((r) => `${round(r.spin.spinning, 1)} / ${round(r.spin.noSpin, 1)}`)],
    ["VAE decode per clip, direct / in worker (ms)", ...results.map((r) => `${round(r.direct.decodeMs, 0)} / ${out[`worker_vae_decode_ms_per_clip_${r.c.key}`]}`)],
    ["MP4 encode per clip, direct / in worker (ms)", ...results.map((r) => `${round(r.direct.encodeMs, 0)} / ${out[`worker_encode_ms_per_clip_${r.c.key}`]}`)],
  ]));

  for (const r of results) {
    const b = r.breakdown!;
    Object.assign(out, {
      [`first_steps_excess_ms_per_step_${r.c.key}`]: round(b.firstStepsExcessMs, 3),
      [`in_step_js_ms_per_step_${r.c.key}`]: round(r.loops.totalMs, 3),
      [`progress_write_ms_per_step_${r.c.key}`]: round(b.progressMs, 3),
      [`progress_write_p50_ms_${r.c.key}`]: round(b.progressP50, 3),
      [`checkpoint_ms_per_step_${r.c.key}`]: round(b.checkpointMs, 3),
      [`preview_ms_per_step_${r.c.key}`]: round(b.previewMs, 3),
      [`background_writes_ms_per_step_${r.c.key}`]: round(b.backgroundMs, 3),
      [`setup_ms_per_step_${r.c.key}`]: round(b.setupMs + b.finalWriteMs, 3),
      [`last_step_ms_per_step_${r.c.key}`]: round(b.lastStepMs, 3),
      [`other_ms_per_step_${r.c.key}`]: round(b.otherMs, 3),
    });
  }
  const seconds = (performance.now() - began) / 1000;
  console.log(`\npeak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB; total ${seconds.toFixed(1)} s`);
  const unheardSteps = results.reduce((n, r) => n + r.jobs.reduce((m, j) => m + j.unheardSteps, 0), 0);
  console.log(`steps never heard by a bus subscriber: ${unheardSteps}`);
  Object.assign(out, { steps_unheard_by_subscribers: unheardSteps, peak_rss_bytes: peakRssBytes, overhead_goal_ratio: GOAL, steps_per_job: STEPS, rounds: ROUNDS, ort_threads: THREADS, total_seconds: round(seconds, 1) });
  console.log(JSON.stringify(out));
}

main().then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);
