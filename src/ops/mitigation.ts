// Auto-mitigation from the runbook: while PLUS p95 queue wait is over its trigger (30 s), raise the PLUS
// lane's weight one step at a time, bounded; once it has been healthy for a while, put back the weight it
// found before its first raise (the configured one, whether set at start-up or by an operator since). A
// pure controller over a two-method store, so it can sit on the scheduler's config store (or anything
// else) and be tested on its own. Cooldown and health period: KINEMA_MITIGATION_COOLDOWN_MS and
// KINEMA_MITIGATION_HEALTHY_MS (src/app.ts wires them in). Policy:
//  - raise: p95 > triggerSeconds, the weight is below maxWeight, and cooldownMs has passed since this
//    controller last changed it (each step gets time to show its effect). New weight: min(w + step, max).
//  - hysteresis: "healthy" is p95 <= healthySeconds (below the trigger), or no PLUS job measured. Between
//    the two, hold. A raise is reverted, straight to the weight before it, only after healthyForMs of
//    unbroken health.
//  - only its own raises are reverted: if the weight is found at another value than the controller left it
//    (an operator changed it), the controller stops managing it and leaves it alone.
//  - every change goes through setPlusWeight with a reason, and is logged.
// Run one controller per deployment: src/app.ts runs it under the "alarms" leader election (several
// would each step the weight). A new leader adopts the last auto-mitigation change it finds stored
// (adoptStoredRaise), so a failover mid-surge neither skips the cooldown nor leaves the raise unreverted.
import type { Logger } from "../log.js";

export interface PlusWeightStore {
  getPlusWeight(): Promise<number>;
  setPlusWeight(weight: number, reason: string): Promise<void>;
}

export interface MitigationPolicy {
  /** the PLUS weight configured at start-up (a healthy weight other than it is reported as someone else's) */
  baseWeight: number;
  /** raise while PLUS p95 queue wait is above this (seconds) */
  triggerSeconds: number;
  /** healthy at or below this (seconds); less than triggerSeconds */
  healthySeconds: number;
  step: number;
  maxWeight: number;
  /** at least this long between two raises */
  cooldownMs: number;
  /** healthy this long before a raise is reverted */
  healthyForMs: number;
}

export const DEFAULT_MITIGATION_POLICY: Omit<MitigationPolicy, "baseWeight"> = {
  triggerSeconds: 30, healthySeconds: 20, step: 1, maxWeight: 8, cooldownMs: 60_000, healthyForMs: 120_000,
};

export type MitigationAction =
  | { kind: "raised"; from: number; to: number }
  | { kind: "reverted"; from: number; to: number }
  | { kind: "held"; weight: number; why: "cooldown" | "at-max" | "between-thresholds" | "waiting-for-health" | "healthy" | "not-ours" };

export class PlusWeightMitigation {
  /** the weight this controller last set, while one of its raises is in force */
  private raisedTo: number | null = null;
  /** the weight found before this controller's first raise of the current surge, put back when healthy */
  private restoreTo: number | null = null;
  private lastChangeAt = -Infinity;
  private healthySince: number | null = null;

  constructor(
    private readonly store: PlusWeightStore,
    private readonly policy: MitigationPolicy,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    if (!(policy.healthySeconds < policy.triggerSeconds)) throw new Error("mitigation: healthySeconds must be below triggerSeconds");
    if (!(policy.step > 0) || !(policy.maxWeight >= policy.baseWeight)) throw new Error("mitigation: step must be positive and maxWeight at least baseWeight");
  }

  /**
   * Takes over a raise another controller (a previous leader) made: the weight it set counts as this
   * controller's own, its time starts the cooldown, and a revert goes back to policy.baseWeight (the
   * earlier controller's restore point died with it).
   */
  adoptStoredRaise(weight: number, changedAt: number): void {
    if (weight <= this.policy.baseWeight) return;
    this.raisedTo = weight;
    this.restoreTo = this.policy.baseWeight;
    this.lastChangeAt = changedAt;
    this.healthySince = null;
  }

  get mitigating(): boolean {
    return this.raisedTo !== null;
  }

  /** One decision on the current PLUS p95 queue wait (seconds; null: no PLUS job measured). */
  async evaluate(plusP95Seconds: number | null): Promise<MitigationAction> {
    const { policy } = this;
    const now = this.now();
    const weight = await this.store.getPlusWeight();
    if (this.raisedTo !== null && weight !== this.raisedTo) {
      this.log.warn({ weight, expected: this.raisedTo }, "PLUS weight changed by someone else; auto-mitigation stops managing it");
      this.raisedTo = null;
      this.restoreTo = null;
      this.healthySince = null;
    }
    const p95 = plusP95Seconds ?? 0;

    if (p95 > policy.triggerSeconds) {
      this.healthySince = null;
      if (weight >= policy.maxWeight) return { kind: "held", weight, why: "at-max" };
      if (now - this.lastChangeAt < policy.cooldownMs) return { kind: "held", weight, why: "cooldown" };
      const to = Math.min(weight + policy.step, policy.maxWeight);
      const reason = `auto-mitigation: PLUS p95 queue wait ${p95.toFixed(1)} s > ${policy.triggerSeconds} s; PLUS weight ${weight} -> ${to}`;
      await this.store.setPlusWeight(to, reason);
      this.log.warn({ from: weight, to, plusP95Seconds: p95 }, reason);
      if (this.raisedTo === null) this.restoreTo = weight;
      this.raisedTo = to;
      this.lastChangeAt = now;
      return { kind: "raised", from: weight, to };
    }

    if (p95 > policy.healthySeconds) {
      this.healthySince = null;
      return { kind: "held", weight, why: "between-thresholds" };
    }

    // Healthy.
    if (this.raisedTo === null) return { kind: "held", weight, why: weight === policy.baseWeight ? "healthy" : "not-ours" };
    this.healthySince ??= now;
    if (now - this.healthySince < policy.healthyForMs) return { kind: "held", weight, why: "waiting-for-health" };
    // Not policy.baseWeight: an operator may have set another weight since start-up, and that is the one to restore.
    const to = this.restoreTo ?? policy.baseWeight;
    const reason = `auto-mitigation: PLUS p95 queue wait ${p95.toFixed(1)} s <= ${policy.healthySeconds} s for ${Math.round(policy.healthyForMs / 1000)} s; PLUS weight back ${weight} -> ${to}`;
    await this.store.setPlusWeight(to, reason);
    this.log.info({ from: weight, to, plusP95Seconds: p95 }, reason);
    this.raisedTo = null;
    this.restoreTo = null;
    this.healthySince = null;
    this.lastChangeAt = now;
    return { kind: "reverted", from: weight, to };
  }
}
