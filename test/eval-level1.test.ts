// The level-1 harness itself (`npm run eval -- --level 1`, the deploy gate that `npm test` ends with),
// through real invocations of eval/main.ts: it exits 0 and reports every check passed when the gate
// holds; it exits 1 and names the failing check when a gate fails (a doctored server: NSFW thresholds at
// 0, so every must-pass clip ends BLOCKED); it exits 1 with the cause when the run itself breaks (no
// model where it was told to look); it exits 2 on usage errors. The pre-filter check's own failure
// paths run in-process against the real API, with doctored golden sets (a benign prompt filed as
// must-block, a must-block prompt filed under the wrong category), since the committed sets all pass.
// Runs use --sample 1 (one prompt per golden set): a sampled run is graded like a full one.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPrefilterGoldens, type GoldenSet } from "../eval/golden/prefilter.js";
import { TRANSFORMS } from "../eval/golden/prefilter/generate.js";
import { EvalClient, NetworkError } from "../eval/lib/graphql.js";
import { awaitJob, submit } from "../eval/lib/jobs.js";
import { checkBlocked } from "../eval/lib/level1-blocked.js";
import { startEvalStack } from "../eval/lib/stack.js";

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "kinema-eval-l1-")); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

interface Outcome { code: number; stdout: string; stderr: string }
type Tallies = Record<string, { total: number; ok: number; rate: number }>;
interface ReportJson { passed: boolean; sampled?: number; error?: string; details?: { prefilterSuite?: { byGroup: Tallies; byTransform: Tallies } }; checks: { name: string; passed: boolean; checked: number; failed: number; failures: { reason: string }[] }[] }

/** `npm run eval -- ARGS` as a child process (node directly: npm adds nothing to the exit code but noise). */
function evalRun(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "eval/main.ts", ...args], { env: { ...process.env, ...env }, timeout: 240_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }));
  });
}

const readReport = async (reportDir: string) => JSON.parse(await readFile(join(reportDir, "report.json"), "utf8")) as ReportJson;
const byName = (report: ReportJson) => Object.fromEntries(report.checks.map((c) => [c.name, c]));
const QUICK = ["--level", "1", "--sample", "1", "--plus-jobs", "1"];

describe("eval level 1, invoked", () => {
  it("exits 0 when every check passes, each having checked something", async () => {
    const reportDir = join(dir, "pass");
    const run = await evalRun([...QUICK, "--report-dir", reportDir]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/level 1: PASSED \(sampled/);
    const report = await readReport(reportDir);
    expect(report).toMatchObject({ passed: true, sampled: 1 });
    expect(Object.keys(byName(report)).sort()).toEqual(["c2pa-trusted", "must-pass-clips", "prefilter-blocks", "prefilter-generated", "tier-steps"]);
    for (const check of report.checks) expect(check, `${check.name}: ${JSON.stringify(check.failures)}`).toMatchObject({ passed: true, failed: 0, checked: expect.any(Number) });
    expect(report.checks.every((c) => c.checked > 0)).toBe(true);
    // The generated suite's figures, per category (must-pass kind) and per transformation, in the report.
    const suite = report.details?.prefilterSuite;
    expect(Object.keys(suite?.byGroup ?? {})).toEqual(expect.arrayContaining(["blocked/CSAM", "blocked/SEXUAL", "blocked/NCII", "blocked/VIOLENCE", "blocked/LIKENESS", "passed/colour"]));
    for (const t of TRANSFORMS) {
      expect(suite?.byTransform[`blocked/${t}`], t).toMatchObject({ total: expect.any(Number), rate: 1 });
      expect(suite?.byTransform[`passed/${t}`]?.total, t).toBeGreaterThan(0);
    }
  }, 300_000);

  it("exits 1 and names the failing checks when the served system fails the gate", async () => {
    const reportDir = join(dir, "blocked");
    const run = await evalRun([...QUICK, "--plus-jobs", "0", "--report-dir", reportDir], { KINEMA_NSFW_THRESHOLDS: '{"Porn":0}' });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/level 1: FAILED/);
    expect(run.stdout).toMatch(/\[FAIL\] must-pass-clips/);
    const report = await readReport(reportDir);
    const checks = byName(report);
    expect(report.passed).toBe(false);
    expect(checks["prefilter-blocks"]!.passed).toBe(true); // the pre-filter is untouched by the doctoring
    expect(checks["must-pass-clips"]).toMatchObject({ passed: false, checked: 2, failed: 2 });
    for (const f of checks["must-pass-clips"]!.failures) expect(f.reason, run.stdout).toMatch(/ended BLOCKED in POSTFILTER.*category sexual/);
    // nothing was delivered, so there was nothing to verify: that is a failure too, not a vacuous pass
    expect(checks["c2pa-trusted"]).toMatchObject({ passed: false, checked: 0 });
    expect(checks["tier-steps"]!.passed).toBe(false);
  }, 300_000);

  it("exits 1 with the cause when the run breaks, and 2 on usage errors", async () => {
    const reportDir = join(dir, "broken");
    const usages = [["--level", "3"], ["--level", "1", "--sample", "0"], ["--level", "1", "--bogus"]];
    const [broken, ...usage] = await Promise.all([
      evalRun([...QUICK, "--model", join(dir, "no-such-model"), "--report-dir", reportDir]),
      ...usages.map((args) => evalRun(args)),
    ]);
    expect(broken!.code, broken!.stdout + broken!.stderr).toBe(1);
    const report = await readReport(reportDir);
    expect(report).toMatchObject({ passed: false, checks: [] });
    expect(report.error).toMatch(/no model at .*no-such-model/);
    usage.forEach((u, i) => {
      expect(u.code, `${usages[i]!.join(" ")}: ${u.stderr}`).toBe(2);
      expect(u.stderr).toMatch(/usage: npm run eval/);
    });
  }, 120_000);

  it("is the full gate in npm test: not a --sample run, which is only a quick look", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/&& npm run eval -- --level 1$/);
  });
});

describe("the pre-filter check, on doctored golden sets", () => {
  it("fails a benign prompt filed as must-block and a must-block prompt filed under another category", async () => {
    const stack = await startEvalStack({ workers: 0 });
    try {
      const free = await stack.account("FREE", "l1-test-free");
      const plus = await stack.account("PLUS", "l1-test-plus");
      const sexual = loadPrefilterGoldens().find((s) => s.name === "prefilter/block-sexual")!;
      const doctored = (name: string, category: string, text: string): GoldenSet => ({ name, description: name, expect: "blocked", category, prompts: [{ text }] });
      const sets = [
        doctored("doctored/right", sexual.category!, sexual.prompts[0]!.text),
        doctored("doctored/benign", "SEXUAL", "a red circle moving left on a blue background"),
        doctored("doctored/wrong-category", "VIOLENCE", sexual.prompts[0]!.text),
      ];
      const check = await checkBlocked({ clients: [free.client, plus.client], kinema: stack.kinema, sets, concurrency: 2, durationSeconds: 1, resolution: "R480P" });
      expect(check.passed).toBe(false);
      expect(check.checked).toBe(3);
      expect(check.failures.map((f) => [f.set, f.reason])).toEqual([
        ["doctored/benign", expect.stringMatching(/^accepted as job /)],
        ["doctored/wrong-category", "blocked as SEXUAL, expected VIOLENCE"],
      ]);
    } finally {
      await stack.stop();
    }
  });
});

describe("the harness's client under connection resets", () => {
  it("retries reads and keyed submissions through a reset connection, and names the cause otherwise", async () => {
    // Every other connection is reset before an answer, as a keep-alive socket closed under a loaded client is.
    let requests = 0;
    const server = createServer((req, res) => {
      if (requests++ % 2 === 0) return req.socket.destroy();
      res.setHeader("content-type", "application/json");
      const job = { id: "j1", status: "SUCCEEDED" };
      res.end(JSON.stringify({ data: { job, generateVideo: { job, userErrors: [] } } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = new EvalClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, "key");
      expect(await awaitJob(client, "j1", 5_000)).toMatchObject({ status: "SUCCEEDED" });
      expect(requests).toBe(2);
      expect((await submit(client, { prompt: "p", durationSeconds: 1, resolution: "R480P", idempotencyKey: "k" })).job).toMatchObject({ id: "j1" });
      expect(requests).toBe(4);
      // without a key a repeat could make a second job: the error goes to the report, with its cause
      const error = await submit(client, { prompt: "p", durationSeconds: 1, resolution: "R480P" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as Error).message).toMatch(/fetch failed \((ECONNRESET|UND_ERR_SOCKET|other side closed)/);
    } finally {
      server.close();
    }
  });
});
