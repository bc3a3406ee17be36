// Named checks with pass/fail and their evidence, printed as a readable summary and written as
// report.json in the run's report directory. A check with no failures and at least one item passes: a
// check that looked at nothing proves nothing.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface Failure {
  /** what failed: a prompt, a job id */
  subject: string;
  reason: string;
  [detail: string]: unknown;
}

export class Check {
  readonly failures: Failure[] = [];
  readonly counts: Record<string, number> = {};
  readonly notes: string[] = [];
  checked = 0;

  constructor(readonly name: string, readonly description: string) {}

  pass(): void {
    this.checked++;
  }

  fail(failure: Failure): void {
    this.checked++;
    this.failures.push(failure);
  }

  count(key: string, by = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + by;
  }

  get passed(): boolean {
    return this.checked > 0 && this.failures.length === 0;
  }

  toJSON() {
    return { name: this.name, description: this.description, passed: this.passed, checked: this.checked, failed: this.failures.length, counts: this.counts, notes: this.notes, failures: this.failures };
  }
}

export interface Report {
  level: number;
  passed: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  environment: Record<string, unknown>;
  checks: Check[];
  /** set when only the first N prompts of each golden set ran: a quick look, not a gate result */
  sampled?: number;
  /** set when the run itself broke before its checks could finish */
  error?: string;
  /** anything else the level records (per-job timings, ...) */
  details?: Record<string, unknown>;
}

const MAX_LISTED = 25;

export function printSummary(report: Report, out: (line: string) => void = console.log): void {
  out("");
  const sampled = report.sampled ? ` (sampled: first ${report.sampled} prompt(s) of each set, not a gate result)` : "";
  out(`Kinema eval, level ${report.level}: ${report.passed ? "PASSED" : "FAILED"}${sampled} in ${report.wallSeconds.toFixed(1)} s`);
  for (const [key, value] of Object.entries(report.environment)) out(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  if (report.error) out(`  the run broke: ${report.error.split("\n")[0]} (stack in report.json)`);
  for (const check of report.checks) {
    out("");
    out(`[${check.passed ? "PASS" : "FAIL"}] ${check.name}: ${check.checked - check.failures.length}/${check.checked} ok — ${check.description}`);
    const counts = Object.entries(check.counts).map(([k, v]) => `${k} ${v}`).join(", ");
    if (counts) out(`       ${counts}`);
    for (const note of check.notes) out(`       ${note}`);
    if (check.checked === 0) out("       nothing was checked");
    for (const f of check.failures.slice(0, MAX_LISTED)) {
      // the short context a failure carries (tier, golden set, variant) helps find it without report.json
      const context = Object.entries(f).filter(([k, v]) => !["subject", "reason", "jobId"].includes(k) && typeof v === "string" && v).map(([, v]) => v);
      out(`       ✗ ${context.length ? `[${context.join(" ")}] ` : ""}${JSON.stringify(f.subject)}: ${f.reason}`);
    }
    if (check.failures.length > MAX_LISTED) out(`       ... and ${check.failures.length - MAX_LISTED} more (see report.json)`);
  }
  out("");
}

export async function writeReport(dir: string, report: Report): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, "report.json");
  await writeFile(path, JSON.stringify(report, null, 2) + "\n");
  return path;
}
