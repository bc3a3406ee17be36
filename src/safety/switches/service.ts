// The kill switches in force in this process. Every process (API and worker) polls the stored version
// every KINEMA_SAFETY_POLL_MS (one primary-key read, as the pre-filter's rules do) and reloads when it
// moved, so a switch thrown anywhere is in force everywhere within one poll plus a reload (well under
// 5 s), without a restart or a bus message to lose. The process that makes a change reloads at once.
//
// What reads them: the API's prompt check (prompt-filter.ts: suspended categories) and Job.video (the
// face hold); the worker's POSTFILTER (the threshold factor, and recording a hold); the re-scan.
import { VersionedSettings, type VersionedSettingsSource } from "../../db/versioned-settings.js";
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

const SWITCHES: VersionedSettingsSource<SafetySwitches> = {
  what: "safety switches",
  load: loadSwitches,
  version: switchesVersion,
  describe: (s) => ({ safetySwitchesVersion: s.version, switches: pick(s) }),
};

export class SafetySwitchStore implements SwitchesSource {
  private constructor(private readonly sql: Sql, private readonly log: Logger, private readonly settings: VersionedSettings<SafetySwitches>) {}

  /** Loads the switches; polls the version every `pollMs` when > 0. */
  static async start(sql: Sql, options: { pollMs: number }, log: Logger): Promise<SafetySwitchStore> {
    return new SafetySwitchStore(sql, log, await VersionedSettings.start(sql, SWITCHES, options.pollMs, log));
  }

  get current(): SafetySwitches {
    return this.settings.current;
  }

  /**
   * Changes the given switches (the rest stay), bumps the version and appends the audit row in one
   * statement, and puts the result in force here at once. Throws InvalidSwitchesPatchError (switchProblems).
   */
  async update(patch: SafetySwitchesPatch, meta: { reason: string | null; actor: string; account: AuditActor }): Promise<SafetySwitches> {
    const problems = switchProblems(patch);
    if (problems.length) throw new InvalidSwitchesPatchError(problems.map(([f, m]) => `${f} ${m}`).join("; "));
    const clean = patch.suspendedCategories ? { ...patch, suspendedCategories: [...new Set(patch.suspendedCategories)].sort() } : patch;
    const before = this.current;
    const after = await writeSwitches(this.sql, clean, meta.reason, meta.actor, meta.account);
    this.settings.adopt(after);
    this.log.warn({ safetySwitchesVersion: after.version, actor: meta.actor, reason: meta.reason, before: pick(before), after: pick(after) }, "safety switches changed");
    return after;
  }

  /** Reloads if the stored version moved; true when newer switches were put in force. */
  refresh(): Promise<boolean> {
    return this.settings.refresh();
  }

  stop(): Promise<void> {
    return this.settings.stop();
  }
}

function pick(s: SafetySwitches): SafetySwitchesPatch {
  return { holdFaceClips: s.holdFaceClips, suspendedCategories: s.suspendedCategories, thresholdFactor: s.thresholdFactor };
}
