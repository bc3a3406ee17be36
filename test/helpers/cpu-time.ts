// CPU time for the tests' speed limits. On a loaded machine (CI, other runs beside this one) the wall
// clock also measures the wait for a core, so a wall-time limit fails for reasons the code under test
// does not cause; the CPU time this process spent is the work's own cost (synchronous work only: it
// counts every thread of the process, and nothing of other processes).

/** A reading to pass to cpuMsSince. */
export const cpuNow = (): NodeJS.CpuUsage => process.cpuUsage();

/** Milliseconds of CPU (user + system) this process spent since `start`. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}
