// Level 1, checks 2-4, over one set of real generations: each must-pass golden prompt becomes a FREE job
// (and a few a PLUS job) at the tier's shortest duration and smallest resolution, run by the in-process
// workers. For each job: it is accepted and SUCCEEDS; its clip, fetched through the signed URL, is an MP4
// whose frames ffprobe decodes, about the requested length (check 2); the clip's C2PA manifest verifies
// Trusted against the workers' anchors and names this job (check 3); and it ran exactly its tier's steps
// (check 4). Submissions are kept a bounded window ahead of the workers, as a well-behaved client would.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Kinema } from "../../src/app.js";
import type { Tier } from "../../src/config/config.js";
import { verifyFile } from "../../src/provenance/verify.js";
import type { EvalClient, JobView } from "./graphql.js";
import { awaitJob, download, mapLimit, submit } from "./jobs.js";
import { looksLikeMp4, probeMp4, type Probe } from "./mp4.js";
import { Check } from "./report.js";

export interface GenerationItem { tier: Tier; set: string; prompt: string; seed: number }

export interface GenerationRun {
  clients: Record<Tier, EvalClient>;
  kinema: Kinema;
  items: GenerationItem[];
  durationSeconds: number;
  resolution: string;
  expectedSteps: Record<Tier, number>;
  trustAnchors: string | null;
  /** jobs submitted but not yet finished, at most */
  window: number;
  clipDir: string;
  jobTimeoutMs: number;
}

export interface JobRecord {
  tier: Tier; set: string; prompt: string; seed: number; id: string | null; status: string;
  queueSeconds: number | null; runSeconds: number | null; steps: number | null; probe: Probe | null; provenance: string | null;
  /** the worker's time per stage (metadata.stageMs), to see where a slow run spends it */
  stageMs: Record<string, number> | null;
}

export async function checkGeneration(run: GenerationRun) {
  const clip = new Check("must-pass-clips", "every must-pass golden prompt is accepted and SUCCEEDS with a playable MP4 of about the requested length, fetched through its signed URL");
  const c2pa = new Check("c2pa-trusted", "every delivered clip carries a C2PA manifest that verifies Trusted against the signing chain's anchor and names its job");
  const steps = new Check("tier-steps", `FREE jobs run exactly ${run.expectedSteps.FREE} steps and PLUS jobs exactly ${run.expectedSteps.PLUS} (stepBudget and stepsCompleted through the API, stepsExecuted in the signed manifest)`);
  const tolerance = Math.max(0.25, run.durationSeconds * 0.1);

  const records = await mapLimit(run.items, run.window, async (item, index): Promise<JobRecord> => {
    const record: JobRecord = { ...item, id: null, status: "NOT_SUBMITTED", queueSeconds: null, runSeconds: null, steps: null, probe: null, provenance: null, stageMs: null };
    const fail = (check: Check, reason: string) => check.fail({ subject: item.prompt, reason, tier: item.tier, set: item.set, jobId: record.id });
    clip.count(`${item.tier} jobs`);
    let job: JobView;
    try {
      const s = await submit(run.clients[item.tier], { prompt: item.prompt, durationSeconds: run.durationSeconds, resolution: run.resolution, seed: item.seed, idempotencyKey: `l1-gen-${index}` });
      if (s.queueFullRetries) clip.count("QUEUE_FULL retries", s.queueFullRetries);
      if (!s.job) return (fail(clip, `refused at submission: ${s.userErrors.map((e) => `${e.code} (${e.message})`).join("; ")}`), record);
      record.id = s.job.id;
      job = await awaitJob(run.clients[item.tier], s.job.id, run.jobTimeoutMs);
    } catch (error) {
      return (fail(clip, (error as Error).message), record);
    }
    record.status = job.status;
    record.queueSeconds = job.startedAt ? seconds(job.createdAt, job.startedAt) : null;
    record.runSeconds = job.startedAt && job.finishedAt ? seconds(job.startedAt, job.finishedAt) : null;
    record.steps = job.stepsCompleted;
    record.stageMs = await stageMs(run.kinema, job.id);
    clip.count(job.status);

    const want = run.expectedSteps[item.tier];
    // A job that did not finish says nothing about its steps beyond its budget (set at submission).
    if (job.status !== "SUCCEEDED") {
      if (job.stepBudget !== want) fail(steps, `stepBudget ${job.stepBudget}, expected ${want}`);
      return (fail(clip, await whyNot(run.kinema, job)), record);
    }
    if (job.cacheHit) return (fail(clip, "served from the cache: no generation happened"), record);

    // The clip and its credentials are judged separately: a clip that fails ffprobe may still be signed.
    let file: string | null = null;
    try {
      const bytes = await download(job.video!.url);
      if (!looksLikeMp4(bytes)) throw new Error("the download is not an MP4 (no ftyp box)");
      if (bytes.length !== job.video!.bytes) throw new Error(`downloaded ${bytes.length} bytes, the job says ${job.video!.bytes}`);
      file = join(run.clipDir, `${job.id}.mp4`);
      await writeFile(file, bytes);
      const probe = record.probe = await probeMp4(file);
      if (probe.frames <= 0) throw new Error("ffprobe decoded no video frames");
      if (!(Math.abs(probe.durationSeconds - run.durationSeconds) <= tolerance)) {
        throw new Error(`duration ${probe.durationSeconds} s, requested ${run.durationSeconds} s (±${tolerance})`);
      }
      if (probe.width !== job.video!.width || probe.height !== job.video!.height) {
        throw new Error(`${probe.width}x${probe.height}, the job says ${job.video!.width}x${job.video!.height}`);
      }
      clip.pass();
    } catch (error) {
      fail(clip, (error as Error).message);
    }

    let stepsExecuted: unknown = null;
    try {
      if (!file) throw new Error("no clip was downloaded to verify");
      if (!run.trustAnchors) throw new Error("no trust anchors: a configured signing chain without KINEMA_C2PA_TRUST_ANCHORS cannot read Trusted");
      const verified = await verifyFile(file, { trustAnchorsPem: run.trustAnchors });
      record.provenance = verified.state;
      stepsExecuted = verified.kinema?.stepsExecuted ?? null;
      if (verified.state !== "Trusted") throw new Error(`manifest reads ${verified.state} (${verified.codes.join(", ") || "no codes"})`);
      if (verified.kinema?.jobId !== job.id) throw new Error(`the manifest names job ${String(verified.kinema?.jobId)}`);
      if (!verified.actions.includes("c2pa.created")) throw new Error(`actions [${verified.actions.join(", ")}] lack c2pa.created`);
      if (job.video!.provenance?.state !== "Trusted") throw new Error(`the API shows provenance ${job.video!.provenance?.state ?? "none"}`);
      c2pa.pass();
    } catch (error) {
      fail(c2pa, (error as Error).message);
    }

    const wrong = [
      job.stepBudget !== want && `stepBudget ${job.stepBudget}`,
      job.stepsCompleted !== want && `stepsCompleted ${job.stepsCompleted}`,
      stepsExecuted !== null && stepsExecuted !== want && `manifest stepsExecuted ${String(stepsExecuted)}`,
    ].filter(Boolean);
    if (wrong.length) fail(steps, `${wrong.join(", ")}; expected ${want}`);
    else { steps.pass(); steps.count(`${item.tier} at ${want}`); }
    return record;
  });

  // Both tiers must have been seen to run their budgets, or check 4 proved nothing about one of them.
  for (const tier of ["FREE", "PLUS"] as const) {
    if (run.items.some((i) => i.tier === tier) && !steps.counts[`${tier} at ${run.expectedSteps[tier]}`]) {
      steps.fail({ subject: tier, reason: `no ${tier} job finished with ${run.expectedSteps[tier]} steps` });
    }
  }
  return { checks: [clip, c2pa, steps], records };
}

/** Why a job did not succeed: the API's answer, plus what the row recorded (the real message the API
 * hides for INTERNAL errors, the post-filter's category), since the eval runs beside the database. */
async function whyNot(kinema: Kinema, job: JobView): Promise<string> {
  const base = `ended ${job.status} in ${job.stage}${job.error ? `: ${job.error.code} (${job.error.message})` : ""} after ${job.attempts} attempt(s)`;
  const { rows } = await kinema.pool.query<{ message: string | null; category: string | null }>(
    `SELECT error_message AS message, metadata->'postfilter'->>'category' AS category FROM jobs WHERE id = $1`, [job.id]);
  const row = rows[0];
  const recorded = row?.message && row.message !== job.error?.message ? `; recorded: ${row.message}` : "";
  return `${base}${recorded}${job.error?.code === "CONTENT_BLOCKED" ? `; post-filter category ${row?.category ?? "unknown"}` : ""}`;
}

async function stageMs(kinema: Kinema, id: string): Promise<Record<string, number> | null> {
  const { rows } = await kinema.pool.query<{ stage_ms: Record<string, number> | null }>(`SELECT metadata->'stageMs' AS stage_ms FROM jobs WHERE id = $1`, [id]);
  return rows[0]?.stage_ms ?? null;
}

function seconds(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 1000;
}
