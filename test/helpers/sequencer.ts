// The order test files start in. With 2 workers the run ends when the last file does, so a file of a
// minute or more that starts near the end makes the whole run wait for it. Vitest orders by the
// durations it cached from an earlier run, and without that cache (a fresh `npm ci`, as in CI) by file
// size: the small files that spend longest (a Chromium session, the eval harness run as a command, a
// model's generations) came last. Here the known slow files start first, longest first; the rest follow
// in Vitest's own order. The list only orders: a file missing from it still runs, just not first.
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files measured slow, longest first: the whole suite's per-file times (`npx vitest run`'s summary per
 * file) on the shared 2-core machine, 2026-12-04, and CI's for the files its log showed. Re-measure when
 * a file's cost changes a lot; only the order matters, and only near the top.
 */
export const SLOW_FILES: readonly string[] = [
  "test/resume.test.ts",
  "test/dihedral.test.ts",
  "test/s3-resume.test.ts",
  "test/eval-level1.test.ts",
  "test/worker-signals.test.ts",
  "test/safety-switches.test.ts",
  "test/studio.test.ts",
  "test/ncii-gate.test.ts",
  "test/postfilter.test.ts",
  "test/long-steps.test.ts",
  "test/processes.test.ts",
  "test/cli.test.ts",
  "test/quality-floor.test.ts",
  "test/generation.test.ts",
  "test/history.test.ts",
  "test/shapes-model.test.ts",
  "test/server-mode.test.ts",
  "test/scan.test.ts",
  "test/variants.test.ts",
  "test/embedded.test.ts",
  "test/embedded-latency.test.ts",
  "test/negative-prompt.test.ts",
  "test/webhooks-crash.test.ts",
  "test/removal-cli.test.ts",
  "test/limits-replicas.test.ts",
  "test/delivery.test.ts",
  "test/prefilter-generated.test.ts",
  "test/queue.test.ts",
  "test/rescan.test.ts",
  "test/leader.test.ts",
  "test/progress.test.ts",
  "test/timeline.test.ts",
  "test/judge.test.ts",
  "test/metrics.test.ts",
  "test/classifiers.test.ts",
  "test/support-console.test.ts",
  "test/mitigation-wiring.test.ts",
  "test/keys.test.ts",
  "test/webhooks-cli.test.ts",
  "test/limits-cli.test.ts",
  "test/removal-embedded.test.ts",
  "test/bench-smoke.test.ts",
  "test/config-errors.test.ts",
  "test/hash-bank-store.test.ts",
  "test/sockets.test.ts",
  "test/prefilter-api.test.ts",
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FILES.indexOf(relative(spec.project.config.root, spec.moduleId).replaceAll("\\", "/"));
      return i === -1 ? SLOW_FILES.length : i;
    };
    // Array.prototype.sort is stable: files off the list keep the order Vitest gave them.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
