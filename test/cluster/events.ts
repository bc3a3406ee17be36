// Every job event the fleet announces (LISTEN on a direct connection of the test's own): how many times
// each job was announced SUCCEEDED, and the steps each lease computed, from which the steps recomputed.
import pg from "pg";
import type { JobEvent } from "../../src/events/bus.js";

export interface EventLog {
  all: JobEvent[];
  succeeded(jobId: string): number;
  stop(): Promise<void>;
}

export async function recordEvents(directUrl: string): Promise<EventLog> {
  const client = new pg.Client({ connectionString: directUrl });
  const all: JobEvent[] = [];
  client.on("notification", (msg) => {
    if (msg.channel === "kinema_events" && msg.payload) all.push(JSON.parse(msg.payload) as JobEvent);
  });
  await client.connect();
  await client.query("LISTEN kinema_events");
  return {
    all,
    succeeded: (jobId) => all.filter((e) => e.jobId === jobId && e.status === "SUCCEEDED").length,
    stop: () => client.end(),
  };
}

/**
 * Steps computed more than once, per job: each lease (fencing token) computed the steps from the one
 * after it resumed at to the last it announced; whatever exceeds the job's step count was recomputed.
 */
export function recomputedSteps(log: EventLog, jobIds: string[], steps: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of jobIds) {
    const leases = new Map<number, { min: number; max: number }>();
    for (const e of log.all) {
      if (e.jobId !== id || e.stepsCompleted === undefined || e.fencingToken === undefined || e.stage !== "DENOISING") continue;
      const l = leases.get(e.fencingToken) ?? { min: e.stepsCompleted, max: e.stepsCompleted };
      leases.set(e.fencingToken, { min: Math.min(l.min, e.stepsCompleted), max: Math.max(l.max, e.stepsCompleted) });
    }
    const executed = [...leases.values()].reduce((n, l) => n + l.max - (l.min - 1), 0);
    out.set(id, Math.max(0, executed - steps));
  }
  return out;
}
