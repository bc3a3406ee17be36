// The step events' publish interval (src/events/batcher.ts, KINEMA_STEP_EVENT_INTERVAL_MS): a process
// hands step events to its bus at most once per interval. The first after a quiet interval goes on the
// next turn (slow steps, a GPU's, are never held); faster ones wait for the interval's end and go
// together, in order, none lost; a synchronous write's flush sends what waits at once.
// (test/progress-steps.test.ts runs the same path over PostgreSQL at the default interval.)
import { describe, expect, it } from "vitest";
import type { EventBus, JobEvent } from "../src/events/bus.js";
import { EventBatcher } from "../src/events/batcher.js";
import { loadConfig } from "../src/config/config.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A bus that records when each event was handed to it (ms since `t0`). */
function recordingBus(t0: number): { bus: EventBus; sent: { step: number; at: number }[] } {
  const sent: { step: number; at: number }[] = [];
  const bus = {
    publish: async (event: JobEvent) => void sent.push({ step: event.stepsCompleted!, at: performance.now() - t0 }),
    subscribe: () => () => {},
    close: async () => {},
  } as unknown as EventBus;
  return { bus, sent };
}

const step = (n: number): JobEvent => ({ kind: "job", jobId: "j", status: "RUNNING", stage: "DENOISING", progressOnly: true, stepsCompleted: n });

describe("step event interval", () => {
  it("sends the first event at once and the faster ones together at the interval's end, in order", async () => {
    const t0 = performance.now();
    const { bus, sent } = recordingBus(t0);
    const INTERVAL = 300;
    const batcher = new EventBatcher(bus, () => {}, 0, INTERVAL);
    batcher.add(step(1));
    await sleep(20);
    expect(sent.map((s) => s.step)).toEqual([1]); // on the next turn, not held
    const first = sent[0]!.at;
    const added: number[] = [];
    for (let n = 2; n <= 5; n++) {
      added.push(performance.now() - t0);
      batcher.add(step(n));
      await sleep(10);
    }
    // still within the interval (the adds take ~40 ms; a machine slow enough to pass it skips this check)
    if (performance.now() - t0 < first + INTERVAL - 20) expect(sent.map((s) => s.step)).toEqual([1]);
    await sleep(INTERVAL + 50);
    expect(sent.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    const later = sent.slice(1);
    for (const s of later) expect(s.at).toBeGreaterThanOrEqual(first + INTERVAL - 5); // held to the interval's end
    // those added within the first interval were handed over in one release (one NOTIFY transaction on a PgEventBus)
    const inFirst = later.filter((_, i) => added[i]! < first + INTERVAL - 5);
    expect(inFirst.length).toBeGreaterThan(0);
    expect(Math.max(...inFirst.map((s) => s.at)) - Math.min(...inFirst.map((s) => s.at))).toBeLessThan(5);
  });

  it("holds nothing when events come slower than the interval", async () => {
    const t0 = performance.now();
    const { bus, sent } = recordingBus(t0);
    const batcher = new EventBatcher(bus, () => {}, 0, 200);
    for (let n = 1; n <= 3; n++) {
      const added = performance.now() - t0;
      batcher.add(step(n));
      await sleep(100);
      expect(sent.at(-1)).toMatchObject({ step: n }); // held for the interval, it would still wait
      expect(sent.at(-1)!.at - added).toBeLessThan(100);
      await sleep(150); // a slow step: the next comes after the interval
    }
  });

  it("a flush sends what waits at once, and restarts the interval", async () => {
    const t0 = performance.now();
    const { bus, sent } = recordingBus(t0);
    const batcher = new EventBatcher(bus, () => {}, 0, 10_000);
    batcher.add(step(1));
    await sleep(5);
    batcher.add(step(2));
    batcher.add(step(3));
    await sleep(20);
    expect(sent.map((s) => s.step)).toEqual([1]);
    await batcher.flush(); // a synchronous write (a stage change, the end) sends them first
    expect(sent.map((s) => s.step)).toEqual([1, 2, 3]);
    batcher.add(step(4));
    await sleep(20);
    expect(sent.map((s) => s.step)).toEqual([1, 2, 3]); // within the interval of the flush's release
    await batcher.flush();
    expect(sent.map((s) => s.step)).toEqual([1, 2, 3, 4]);
  });

  it("is 100 ms unless configured, and 0 publishes every step at once", async () => {
    expect(loadConfig({}).queue.stepEventIntervalMs).toBe(100);
    expect(loadConfig({ KINEMA_STEP_EVENT_INTERVAL_MS: "0" }).queue.stepEventIntervalMs).toBe(0);
    expect(() => loadConfig({ KINEMA_STEP_EVENT_INTERVAL_MS: "5000" })).toThrow(/KINEMA_STEP_EVENT_INTERVAL_MS/);
    const t0 = performance.now();
    const { bus, sent } = recordingBus(t0);
    const batcher = new EventBatcher(bus, () => {}, 0, 0);
    for (let n = 1; n <= 3; n++) {
      batcher.add(step(n));
      await sleep(5);
    }
    expect(sent.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(sent.every((s, i) => i === 0 || s.at > sent[i - 1]!.at)).toBe(true); // each on its own turn
  });
});
