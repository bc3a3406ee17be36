// The PLUS-weight auto-mitigation's policy: step up while PLUS p95 queue wait is over 30 s (bounded, one
// step per cooldown), hold between the thresholds, revert to the base weight after sustained health, and
// leave alone a weight someone else changed.
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { DEFAULT_MITIGATION_POLICY, PlusWeightMitigation, type PlusWeightStore } from "../src/ops/mitigation.js";

function setup(initial = 2) {
  const changes: { weight: number; reason: string }[] = [];
  const logs: Record<string, unknown>[] = [];
  let weight = initial;
  let clock = 1_000_000;
  const store: PlusWeightStore = {
    getPlusWeight: async () => weight,
    setPlusWeight: async (w, reason) => { weight = w; changes.push({ weight: w, reason }); },
  };
  const log = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const controller = new PlusWeightMitigation(store, { ...DEFAULT_MITIGATION_POLICY, baseWeight: 2 }, log, () => clock);
  return {
    controller, changes, logs,
    get weight() { return weight; },
    set weight(w: number) { weight = w; },
    advance(ms: number) { clock += ms; },
  };
}

describe("PLUS weight auto-mitigation", () => {
  it("does nothing while healthy or between the thresholds", async () => {
    const t = setup();
    expect(await t.controller.evaluate(null)).toEqual({ kind: "held", weight: 2, why: "healthy" });
    expect(await t.controller.evaluate(10)).toEqual({ kind: "held", weight: 2, why: "healthy" });
    expect(await t.controller.evaluate(30)).toEqual({ kind: "held", weight: 2, why: "between-thresholds" });
    expect(t.changes).toEqual([]);
  });

  it("raises one step per cooldown while over 30 s, up to the bound, with a logged reason", async () => {
    const t = setup();
    expect(await t.controller.evaluate(45)).toEqual({ kind: "raised", from: 2, to: 3 });
    expect(t.changes[0]!.reason).toMatch(/PLUS p95 queue wait 45\.0 s > 30 s; PLUS weight 2 -> 3/);
    expect(t.logs).toContainEqual(expect.objectContaining({ level: 40, from: 2, to: 3, plusP95Seconds: 45 }));
    t.advance(30_000);
    expect(await t.controller.evaluate(45)).toEqual({ kind: "held", weight: 3, why: "cooldown" });
    for (let w = 4; w <= 8; w++) {
      t.advance(60_000);
      expect(await t.controller.evaluate(50)).toEqual({ kind: "raised", from: w - 1, to: w });
    }
    t.advance(60_000);
    expect(await t.controller.evaluate(90)).toEqual({ kind: "held", weight: 8, why: "at-max" });
    expect(t.changes.map((c) => c.weight)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(t.controller.mitigating).toBe(true);
  });

  it("reverts to the base weight only after 2 minutes of unbroken health", async () => {
    const t = setup();
    await t.controller.evaluate(40);
    t.advance(60_000);
    await t.controller.evaluate(40);
    expect(t.weight).toBe(4);
    // Healthy for 90 s, then a wobble between the thresholds resets the clock.
    expect(await t.controller.evaluate(15)).toEqual({ kind: "held", weight: 4, why: "waiting-for-health" });
    t.advance(90_000);
    expect(await t.controller.evaluate(25)).toEqual({ kind: "held", weight: 4, why: "between-thresholds" });
    t.advance(10_000);
    expect(await t.controller.evaluate(null)).toEqual({ kind: "held", weight: 4, why: "waiting-for-health" });
    t.advance(119_000);
    expect(await t.controller.evaluate(10)).toEqual({ kind: "held", weight: 4, why: "waiting-for-health" });
    t.advance(1_000);
    expect(await t.controller.evaluate(10)).toEqual({ kind: "reverted", from: 4, to: 2 });
    expect(t.changes.at(-1)!.reason).toMatch(/PLUS weight back 4 -> 2/);
    expect(t.controller.mitigating).toBe(false);
    // And a new surge starts over from the base.
    t.advance(60_000);
    expect(await t.controller.evaluate(35)).toEqual({ kind: "raised", from: 2, to: 3 });
  });

  it("restores the weight it found before its first raise: one an operator set after start-up, not the start-up base", async () => {
    const t = setup();
    t.weight = 3; // an admin set it before any surge
    expect(await t.controller.evaluate(10)).toEqual({ kind: "held", weight: 3, why: "not-ours" });
    expect(await t.controller.evaluate(40)).toEqual({ kind: "raised", from: 3, to: 4 });
    t.advance(60_000);
    expect(await t.controller.evaluate(40)).toEqual({ kind: "raised", from: 4, to: 5 });
    await t.controller.evaluate(10);
    t.advance(120_000);
    expect(await t.controller.evaluate(10)).toEqual({ kind: "reverted", from: 5, to: 3 });
    expect(t.changes.at(-1)!.reason).toMatch(/PLUS weight back 5 -> 3/);
  });

  it("leaves a weight an operator changed alone", async () => {
    const t = setup();
    await t.controller.evaluate(40);
    t.weight = 5; // an admin set it by hand
    t.advance(300_000);
    expect(await t.controller.evaluate(5)).toEqual({ kind: "held", weight: 5, why: "not-ours" });
    t.advance(300_000);
    expect(await t.controller.evaluate(5)).toEqual({ kind: "held", weight: 5, why: "not-ours" });
    expect(t.changes.map((c) => c.weight)).toEqual([3]);
    expect(t.logs).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/changed by someone else/) }));
  });

  it("refuses a policy without hysteresis or with a bound below the base", () => {
    const log = pino({ level: "silent" });
    const store: PlusWeightStore = { getPlusWeight: async () => 2, setPlusWeight: async () => {} };
    expect(() => new PlusWeightMitigation(store, { ...DEFAULT_MITIGATION_POLICY, baseWeight: 2, healthySeconds: 30 }, log)).toThrow(/healthySeconds/);
    expect(() => new PlusWeightMitigation(store, { ...DEFAULT_MITIGATION_POLICY, baseWeight: 10 }, log)).toThrow(/maxWeight/);
  });

  it("adopts a raise a previous leader stored: its cooldown runs from that change, and the raise is reverted when healthy", async () => {
    const t = setup();
    t.weight = 5; // raised by the previous leader, 10 s ago
    t.controller.adoptStoredRaise(5, 1_000_000 - 10_000);
    expect(await t.controller.evaluate(45)).toEqual({ kind: "held", weight: 5, why: "cooldown" });
    t.advance(50_000);
    expect(await t.controller.evaluate(45)).toEqual({ kind: "raised", from: 5, to: 6 });
    t.advance(1_000);
    expect(await t.controller.evaluate(5)).toEqual({ kind: "held", weight: 6, why: "waiting-for-health" });
    t.advance(DEFAULT_MITIGATION_POLICY.healthyForMs);
    expect(await t.controller.evaluate(5)).toEqual({ kind: "reverted", from: 6, to: 2 });
    // A stored weight at or below the base is nobody's raise: nothing to adopt.
    const u = setup();
    u.controller.adoptStoredRaise(2, 1_000_000);
    expect(await u.controller.evaluate(45)).toEqual({ kind: "raised", from: 2, to: 3 });
  });
});
