// Quick mode, the one convention every benchmark follows: `--quick` on the command line, or
// BENCH_QUICK=1 in the environment (the same thing), runs the bench at small sizes through the same code
// paths, so `npm run bench:smoke` (scripts/bench-smoke.ts) can prove in seconds that it still runs end
// to end and prints its JSON line. Quick figures prove the bench works, not how fast anything is: each
// bench puts `quick: true` in its JSON so such a figure is never quoted as a measurement.

/** Whether this run is a quick one: `--quick` in `argv`, or BENCH_QUICK set to 1/true (0/false/empty: off). */
export function isQuick(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = (env.BENCH_QUICK ?? "").trim().toLowerCase();
  if (raw !== "" && !["1", "true", "0", "false"].includes(raw)) {
    throw new Error(`BENCH_QUICK must be 1 or 0 (true or false), not ${JSON.stringify(env.BENCH_QUICK)}`);
  }
  return argv.includes("--quick") || raw === "1" || raw === "true";
}

/**
 * One size of a bench: the environment variable `name` when it is set (an explicit size wins in either
 * mode), else `quick` in quick mode and `full` otherwise. A value that is not a positive number is an
 * error, not a silent NaN that would make a loop run zero times and print figures of nothing.
 */
export function benchSize(name: string, sizes: { full: number; quick: number }, quick = isQuick(), env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return quick ? sizes.quick : sizes.full;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return value;
}
