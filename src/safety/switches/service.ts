// The kill switches in force in this process. Every process (API and worker) polls the stored version
// every KINEMA_SAFETY_POLL_MS (one primary-key read, as the pre-filter's rules do) and reloads when it
// moved, so a switch thrown anywhere is in force everywhere within one poll plus a reload (well under
// 5 s), without a restart or a bus message to lose. The process that makes a change reloads at once.
//
// What reads them: the API's prompt check (prompt-filter.ts: suspended categories) and Job.video (the
// face hold); the worker's POSTFILTER (the threshold factor, and recording a hold); the re-scan.
import { startPoller, type Poller } from "../../db/poller.js";
import type { Sql } from "../../db/pool.js";
import type { Logger } from "../../log.js";
import type { AuditActor } from "../../audit/audit-log.js";
import { SAFETY_CATEGORIES } from "../prefilter/rules.js";
import { loadSwitches, switchesVersion, writeSwitches, type SafetySwitches, type SafetySwitchesPatch } from "./store.js";

/** The tightening factor's bounds: 0.1 (a tenth of each threshold already blocks) to 1 (as configured). */
export const THRESHOLD_FACTOR = { min: 0.1, max: 1 } as const;

/** What is wrong with a patch, as [field, message] pairs; empty when it can be applied. */
export function switchProblems(patch: SafetySwitchesPatch): [string, string][] {
  const problems: [string, string][] = [];
  const f = patch.thresholdFactor;
  if (f != null && !(Number.isFinite(f) && f >= THRESHOLD_FACTOR.min && f <= THRESHOLD_FACTOR.max)) {
    problems.push(["thresholdFactor", `must be ${THRESHOLD_FACTOR.min} to ${THRESHOLD_FACTOR.max}`]);
  }
  const unknown = (patch.suspendedCategories ?? []).filter((c) => !(SAFETY_CATEGORIES as readonly string[]).includes(c));
  if (unknown.length) problems.push(["suspendedCategories", `has unknown categories: ${unknown.join(", ")}`]);
  return problems;
}

export class InvalidSwitchesPatchError extends Error {}

/** The switches a consumer needs: the API, the worker and the re-scan depend on this, not on the store. */
export interface SwitchesSource { readonly current: SafetySwitches }

export class SafetySwitchStore implements SwitchesSource {
  private poller: Poller | null = null;
  private inFlight: Promise<boolean> | null = null;

  private constructor(private readonly sql: Sql, private readonly log: Logger, private switches: SafetySwitches) {}

  /** Loads the switches; polls the version every `pollMs` when > 0. */
  static async start(sql: Sql, options: { pollMs: number }, log: Logger): Promise<SafetySwitchStore> {
    const store = new SafetySwitchStore(sql, log, await loadSwitches(sql));
    if (options.pollMs > 0) {
      store.poller = startPoller(options.pollMs, () => store.refresh(), (error) => log.warn({ err: error }, "could not poll the safety switches"));
    }
    return store;
  }

  get current(): SafetySwitches {
    return this.switches;
  }

  /**
   * Changes the given switches (the rest stay), bumps the version and appends the audit row in one
   * statement, and puts the result in force here at once. Throws InvalidSwitchesPatchError (switchProblems).
   */
  async update(patch: SafetySwitchesPatch, meta: { reason: string | null; actor: string; account: AuditActor }): Promise<SafetySwitches> {
    const problems = switchProblems(patch);
    if (problems.length) throw new InvalidSwitchesPatchError(problems.map(([f, m]) => `${f} ${m}`).join("; "));
    const clean = patch.suspendedCategories ? { ...patch, suspendedCategories: [...new Set(patch.suspendedCategories)].sort() } : patch;
    const before = this.switches;
    const after = await writeSwitches(this.sql, clean, meta.reason, meta.actor, meta.account);
    this.adopt(after);
    this.log.warn({ safetySwitchesVersion: after.version, actor: meta.actor, reason: meta.reason, before: pick(before), after: pick(after) }, "safety switches changed");
    return after;
  }

  /** Reloads if the stored version moved; true when newer switches were put in force. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.reload().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.poller?.stop();
    await this.inFlight?.catch(() => {});
  }

  private adopt(switches: SafetySwitches): boolean {
    if (switches.version <= this.switches.version) return false; // never step back
    this.switches = switches;
    return true;
  }

  private async reload(): Promise<boolean> {
    if (await switchesVersion(this.sql) === this.switches.version) return false;
    const adopted = this.adopt(await loadSwitches(this.sql));
    if (adopted) this.log.info({ safetySwitchesVersion: this.switches.version, switches: pick(this.switches) }, "safety switches reloaded");
    return adopted;
  }
}

function pick(s: SafetySwitches): SafetySwitchesPatch {
  return { holdFaceClips: s.holdFaceClips, suspendedCategories: s.suspendedCategories, thresholdFactor: s.thresholdFactor };
}
