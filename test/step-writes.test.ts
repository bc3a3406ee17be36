// The denoising step's writes in the background (workers/stages/step-writes.ts): checkpoints one at a
// time and in order, a preview's key handed on only once it is stored, a failure thrown at the next step,
// nothing left running when the stage ends.
import { describe, expect, it } from "vitest";
import { StepWrites } from "../workers/stages/step-writes.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A write that ends when told to, recording when it began and ended. */
function gate(log: string[], name: string) {
  let open!: () => void, fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => { open = resolve; fail = reject; });
  return {
    write: async () => { log.push(`${name} began`); await done; log.push(`${name} ended`); },
    open: () => open(),
    fail: (error: Error) => fail(error),
  };
}

describe("StepWrites", () => {
  it("the step after a checkpoint counts only once the checkpoint is stored and pointed at, or fails with it", async () => {
    const log: string[] = [];
    const writes = new StepWrites();
    const ok = gate(log, "10");
    await writes.checkpoint(ok.write);
    let counted = false;
    const step11 = writes.checkpointed().then(() => (counted = true));
    await sleep(10);
    expect(counted).toBe(false);
    ok.open();
    await step11;
    expect(log).toEqual(["10 began", "10 ended"]);
    await writes.checkpointed(); // nothing in flight: at once
    const bad = gate(log, "20");
    await writes.checkpoint(bad.write);
    const step21 = writes.checkpointed();
    bad.fail(new Error("put failed"));
    await expect(step21).rejects.toThrow("put failed");
  });

  it("a checkpoint does not hold up the step; the next one waits for it, so they begin and end in order", async () => {
    const log: string[] = [];
    const writes = new StepWrites();
    const [first, second] = [gate(log, "10"), gate(log, "20")];
    await writes.checkpoint(first.write); // returns while the write is in flight
    expect(log).toEqual(["10 began"]);
    let queued = false;
    const next = writes.checkpoint(second.write).then(() => (queued = true));
    await sleep(10);
    expect(queued).toBe(false);
    expect(log).toEqual(["10 began"]);
    first.open();
    await next;
    expect(log).toEqual(["10 began", "10 ended", "20 began"]);
    second.open();
    await writes.drain();
    expect(log.at(-1)).toBe("20 ended");
  });

  it("a preview's key is handed to the first step after it is stored, once; one due meanwhile is skipped", async () => {
    const log: string[] = [];
    const writes = new StepWrites();
    const put = gate(log, "p5");
    expect(writes.storePreview("previews/j/1-5.png", put.write)).toBe(true);
    expect(writes.readyPreview()).toBeUndefined(); // not stored yet: no step may point at it
    expect(writes.storePreview("previews/j/1-10.png", async () => void log.push("p10"))).toBe(false);
    put.open();
    await writes.settled();
    expect(writes.readyPreview()).toBe("previews/j/1-5.png");
    expect(writes.readyPreview()).toBeUndefined();
    expect(log).toEqual(["p5 began", "p5 ended"]);
  });

  it("a failure is thrown by the next step's check and by drain, not by settled; later checkpoints do not start", async () => {
    const log: string[] = [];
    const writes = new StepWrites();
    const failing = gate(log, "10");
    await writes.checkpoint(failing.write);
    writes.throwIfFailed(); // in flight: nothing to report yet
    failing.fail(new Error("store unavailable"));
    await writes.settled();
    expect(() => writes.throwIfFailed()).toThrow("store unavailable");
    await expect(writes.drain()).rejects.toThrow("store unavailable");
    await expect(writes.checkpoint(async () => void log.push("20"))).rejects.toThrow("store unavailable");
    expect(log).toEqual(["10 began"]);
  });

  it("settled waits for every write in flight, a checkpoint and a preview", async () => {
    const log: string[] = [];
    const writes = new StepWrites();
    const [checkpoint, preview] = [gate(log, "c"), gate(log, "p")];
    await writes.checkpoint(checkpoint.write);
    writes.storePreview("previews/j/1-5.png", preview.write);
    let settled = false;
    const all = writes.settled().then(() => (settled = true));
    checkpoint.open();
    await sleep(10);
    expect(settled).toBe(false);
    preview.open();
    await all;
    expect(log.sort()).toEqual(["c began", "c ended", "p began", "p ended"]);
  });
});
