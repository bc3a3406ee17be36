// Level 1, check 1: every must-block golden prompt, submitted through `generateVideo`, is refused with
// PROMPT_BLOCKED, and the database shows it was never queued: the attempt's row (found by its
// idempotency key) is BLOCKED in stage PREFILTER with the golden set's category, was never claimed
// (attempts 0, fencing token 0, no start), and did no denoising.
import type { Kinema } from "../../src/app.js";
import type { GoldenSet } from "../golden/prefilter.js";
import type { EvalClient } from "./graphql.js";
import { mapLimit, submit } from "./jobs.js";
import { Check } from "./report.js";

export interface BlockedRun {
  /** FREE and PLUS clients: prompts alternate between them, so both tiers' submissions are covered */
  clients: EvalClient[];
  kinema: Kinema;
  sets: GoldenSet[];
  concurrency: number;
  durationSeconds: number;
  resolution: string;
}

interface Row {
  idempotency_key: string; status: string; stage: string; error_code: string | null; attempts: number;
  fencing_token: number; started_at: Date | null; steps_completed: number;
  category: string | null; verdict: string | null; has_denoise: boolean;
}

export async function checkBlocked(run: BlockedRun): Promise<Check> {
  const check = new Check("prefilter-blocks", "every must-block golden prompt is refused with its category and never queued");
  const prompts = run.sets.flatMap((set) => set.prompts.map((p) => ({ set, text: p.text, variant: p.variant ?? "" })));
  const answers = await mapLimit(prompts, run.concurrency, async (p, i) => {
    const key = `l1-block-${i}`;
    try {
      const s = await submit(run.clients[i % run.clients.length]!, { prompt: p.text, durationSeconds: run.durationSeconds, resolution: run.resolution, idempotencyKey: key });
      return { key, codes: s.userErrors.map((e) => e.code), jobId: s.job?.id ?? null, error: null };
    } catch (error) {
      return { key, codes: [], jobId: null, error: (error as Error).message };
    }
  });

  // One read for all of them: the rows these submissions left, by their idempotency keys.
  const { rows } = await run.kinema.pool.query<Row>(`
    SELECT idempotency_key, status, stage, error_code, attempts, fencing_token, started_at, steps_completed,
           metadata->'prefilter'->>'category' AS category, metadata->'prefilter'->>'verdict' AS verdict,
           metadata ? 'denoise' AS has_denoise
    FROM jobs WHERE idempotency_key LIKE 'l1-block-%'`);
  const byKey = new Map<string, Row[]>();
  for (const row of rows) byKey.set(row.idempotency_key, [...(byKey.get(row.idempotency_key) ?? []), row]);

  prompts.forEach((p, i) => {
    const answer = answers[i]!;
    const fail = (reason: string) => check.fail({ subject: p.text, reason, set: p.set.name, variant: p.variant });
    check.count(p.set.name);
    if (answer.error) return fail(`request failed: ${answer.error}`);
    if (answer.jobId) return fail(`accepted as job ${answer.jobId} (userErrors: ${answer.codes.join(",") || "none"})`);
    if (answer.codes.join(",") !== "PROMPT_BLOCKED") return fail(`expected PROMPT_BLOCKED, got userErrors [${answer.codes.join(", ")}]`);
    const found = byKey.get(answer.key) ?? [];
    if (found.length !== 1) return fail(`expected one BLOCKED audit row, found ${found.length}`);
    const row = found[0]!;
    if (row.status !== "BLOCKED" || row.stage !== "PREFILTER" || row.error_code !== "PROMPT_BLOCKED") {
      return fail(`row is ${row.status}/${row.stage}/${row.error_code ?? "-"}, expected BLOCKED/PREFILTER/PROMPT_BLOCKED`);
    }
    if (row.attempts !== 0 || Number(row.fencing_token) !== 0 || row.started_at || row.steps_completed !== 0 || row.has_denoise) {
      return fail(`a worker touched it: attempts ${row.attempts}, fencing token ${row.fencing_token}, steps ${row.steps_completed}`);
    }
    if (row.category !== p.set.category) return fail(`blocked as ${row.category ?? "no category"}, expected ${p.set.category ?? "?"}`);
    check.pass();
  });
  return check;
}
