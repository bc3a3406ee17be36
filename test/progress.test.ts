// The jobProgress subscription over real sockets: ordered events from the current state to the terminal
// state, late and reconnecting subscribers, queue positions, and events from another API process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { collect, GENERATE, PROGRESS } from "./helpers/graphql.js";
import { deliveringStage, steppingStage } from "./fixtures/stages.js";
import { spawnWorker } from "./helpers/processes.js";

let db: TestDatabase;
let api: TestKinema; // API only
let worker: TestKinema | null = null; // a worker-only process-like instance, started per test

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestKinema({ databaseUrl: db.url });
});
afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  await db?.drop();
});

async function startWorker(msPerStep: number): Promise<TestKinema> {
  worker = await startTestKinema({ databaseUrl: db.url, api: false, workers: 1, stages: [steppingStage(msPerStep), deliveringStage()] });
  return worker;
}
async function stopWorker(): Promise<void> {
  await worker?.stop();
  worker = null;
}

const input = { prompt: "a green triangle rotating", durationSeconds: 1, resolution: "R480P" };

interface Progress { jobProgress: { status: string; stage: string; step: number; totalSteps: number; queuePosition: number | null; etaSeconds: number | null; previewUrl: string | null; job: { id: string; status: string; attempts: number; video: { url: string } | null } } }

describe("jobProgress", () => {
  it("streams the current state first, then every step in order, then the terminal state, and completes", async () => {
    const account = await api.account("FREE");
    const { generateVideo } = await account.client.data(GENERATE, { input });
    const id = generateVideo.job.id;
    const socket = account.client.socket();
    const stream = collect<Progress>(socket, PROGRESS, { id });
    await waitFor(async () => stream.events.length > 0, 5_000, "the first event");
    expect(stream.events[0]!.jobProgress).toMatchObject({ status: "QUEUED", stage: "QUEUED", step: 0, totalSteps: 30, queuePosition: 0 });

    await startWorker(10);
    const events = (await stream.done).map((e) => e.jobProgress);
    await stopWorker();
    const last = events.at(-1)!;
    expect(last).toMatchObject({ status: "SUCCEEDED", stage: "DONE", step: 30 });
    expect(last.job.video?.url).toContain(id);
    const steps = events.filter((e) => e.stage === "DENOISING").map((e) => e.step);
    expect(steps.filter((s) => s > 0)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1)); // every step, in order
    expect(events.find((e) => e.step === 12)?.previewUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/files/previews/${id}/12\\.png\\?expires=\\d+&job=${id}&signature=`));
    expect(events.some((e) => e.status === "RUNNING" && e.etaSeconds !== null)).toBe(true);
    // Status never goes backwards.
    const order = ["QUEUED", "RUNNING", "SUCCEEDED"];
    const ranks = events.map((e) => order.indexOf(e.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    await socket.dispose();
  });

  it("gives a late or reconnecting subscriber the current state first", async () => {
    const account = await api.account("FREE");
    const { generateVideo } = await account.client.data(GENERATE, { input });
    const id = generateVideo.job.id;
    await startWorker(60);
    await waitFor(async () => (await account.client.data(`query($id: ID!) { job(id: $id) { stepsCompleted } }`, { id })).job.stepsCompleted >= 5, 10_000, "steps");

    // Subscribe mid-job, drop the connection after two events, reconnect.
    const first = account.client.socket();
    const a = collect<Progress>(first, PROGRESS, { id });
    await waitFor(async () => a.events.length >= 2, 5_000, "two events");
    expect(a.events[0]!.jobProgress.status).toBe("RUNNING");
    expect(a.events[0]!.jobProgress.step).toBeGreaterThanOrEqual(5);
    const seenBeforeDrop = a.events.at(-1)!.jobProgress.step;
    await first.dispose();

    const second = account.client.socket();
    const b = collect<Progress>(second, PROGRESS, { id });
    await waitFor(async () => b.events.length >= 1, 5_000, "the resumed first event");
    expect(b.events[0]!.jobProgress.step).toBeGreaterThanOrEqual(seenBeforeDrop);
    const events = await b.done;
    expect(events.at(-1)!.jobProgress.status).toBe("SUCCEEDED");
    await second.dispose();
    await stopWorker();

    // After the end: one event, the terminal state, then completion.
    const third = account.client.socket();
    const after = await collect<Progress>(third, PROGRESS, { id }).done;
    expect(after.map((e) => e.jobProgress.status)).toEqual(["SUCCEEDED"]);
    await third.dispose();
  });

  it("updates queue positions as jobs ahead leave the queue, and ends on cancel", async () => {
    const account = await api.account("PLUS");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await account.client.data(GENERATE, { input })).generateVideo.job.id);
    const socket = account.client.socket();
    const stream = collect<Progress>(socket, PROGRESS, { id: ids[2] });
    await waitFor(async () => stream.events.length > 0, 5_000, "first event");
    expect(stream.events[0]!.jobProgress.queuePosition).toBe(2);
    const cancel = `mutation($id: ID!) { cancelJob(id: $id) { userErrors { code } } }`;
    await account.client.data(cancel, { id: ids[0] });
    await waitFor(async () => stream.events.at(-1)!.jobProgress.queuePosition === 1, 5_000, "position 1");
    await account.client.data(cancel, { id: ids[1] });
    await waitFor(async () => stream.events.at(-1)!.jobProgress.queuePosition === 0, 5_000, "position 0");
    await account.client.data(cancel, { id: ids[2] });
    const events = await stream.done;
    expect(events.map((e) => e.jobProgress.queuePosition)).toEqual([2, 1, 0, null]);
    expect(events.at(-1)!.jobProgress.status).toBe("CANCELLED");
    await socket.dispose();
  });

  it("frees a subscription as soon as its client leaves, even while nothing changes", async () => {
    const account = await api.account("FREE");
    const { generateVideo } = await account.client.data(GENERATE, { input });
    const hub = api.kinema.progress!;
    const before = hub.subscriberCount;
    const socket = account.client.socket();
    const stream = collect<Progress>(socket, PROGRESS, { id: generateVideo.job.id });
    await waitFor(async () => stream.events.length > 0, 5_000, "first event");
    expect(hub.subscriberCount).toBe(before + 1);
    await socket.dispose(); // the job stays queued: no change will ever wake the stream
    await waitFor(async () => hub.subscriberCount === before, 5_000, "the watch to be removed");
  });

  it("delivers events published by a worker process to every API instance (two servers, one database)", async () => {
    const second = await startTestKinema({ databaseUrl: db.url });
    try {
      const account = await api.account("FREE");
      const { generateVideo } = await account.client.data(GENERATE, { input });
      const id = generateVideo.job.id;
      const viaFirst = collect<Progress>(account.client.socket(), PROGRESS, { id });
      const viaSecond = collect<Progress>(second.client(account.key).socket(), PROGRESS, { id });
      await waitFor(async () => viaFirst.events.length > 0 && viaSecond.events.length > 0, 5_000, "first events");
      const process = spawnWorker(db.url, "other-process", { TEST_STAGES: "stepping", TEST_MS_PER_STEP: "5" });
      const [a, b] = await Promise.all([viaFirst.done, viaSecond.done]);
      process.child.kill("SIGTERM");
      await process.exited;
      for (const events of [a, b]) {
        expect(events.at(-1)!.jobProgress.status).toBe("SUCCEEDED");
        expect(events.filter((e) => e.jobProgress.stage === "DENOISING" && e.jobProgress.step > 0)).toHaveLength(30);
      }
    } finally {
      await second.stop();
    }
  });
});
