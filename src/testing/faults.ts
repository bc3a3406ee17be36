// Named crash points for the fault-injection harness (test/faults.test.ts). Production code calls
// faultPoint("name") at the places where a crash matters (before and after each object-store write or
// delete and each fenced statement); unless KINEMA_FAULT_POINT names that point, the call is one
// comparison. KINEMA_FAULT_POINT=name[:nth] makes the nth hit of the point (default the first) stop the
// process the way KINEMA_FAULT_ACTION says: `kill` (SIGKILL itself, the default: a crash) or `stop`
// (SIGSTOP itself: a worker frozen mid-flight that the test later resumes as a stale worker).
// Read once at load: tests set it in a worker process's environment, never at run time.

const spec = parse(process.env.KINEMA_FAULT_POINT);
const action = process.env.KINEMA_FAULT_ACTION === "stop" ? "SIGSTOP" : "SIGKILL";
let hits = 0;

function parse(value: string | undefined): { name: string; nth: number } | null {
  if (!value) return null;
  const at = value.lastIndexOf(":");
  const nth = at > 0 ? Number(value.slice(at + 1)) : NaN;
  return Number.isInteger(nth) && nth > 0 ? { name: value.slice(0, at), nth } : { name: value, nth: 1 };
}

/** True when a fault point is armed in this process (for wrappers that cost something to install). */
export const faultsArmed = spec !== null;

export function faultPoint(name: string): void {
  if (spec === null || spec.name !== name || ++hits !== spec.nth) return;
  // Said on stderr first, so the harness can tell the point was reached (and where the process stood).
  process.stderr.write(`KINEMA_FAULT_POINT reached: ${name}:${hits} (${action})\n`);
  process.kill(process.pid, action);
  if (action === "SIGKILL") {
    // The signal is delivered before kill() returns on Linux; this only guards against a late delivery.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
  }
}
