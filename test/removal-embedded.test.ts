// Removal in embedded mode (PGlite, the in-process event bus): the same statements and the same answers
// as on a PostgreSQL server, and a subscriber hears the cancel of a job deleted while queued.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import { RemovalService } from "../src/removal/service.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { jobObjectKeys } from "./helpers/objects.js";
import { DELETE_JOB, JOB_VIEW, storingStage } from "./helpers/removal.js";

let app: TestKinema;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kinema-removal-embedded-"));
  app = await startTestKinema({ workers: 1, env: { KINEMA_DATA_DIR: dataDir, KINEMA_HOUSEKEEPING_MS: "0" }, stages: (deps) => [storingStage(deps.store)] });
}, 300_000);
afterAll(async () => {
  await app?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("removal in embedded mode", () => {
  it("deletes, takes down and expires on PGlite; a queued job's delete is announced on the in-process bus", async () => {
    expect(app.kinema.embedded).toBe(true);
    const owner = await app.account("FREE");
    const support = await app.account("PLUS", "SUPPORT");
    const make = async (prompt: string) => {
      const id = (await owner.client.data(GENERATE, { input: { prompt, durationSeconds: 1 } })).generateVideo.job.id as string;
      const job = await waitFor(async () => { const { job } = await owner.client.data(JOB_VIEW, { id }); return job.status === "SUCCEEDED" ? job : null; }, 60_000);
      return { id, url: job.video.url as string };
    };
    const a = await make("first embedded clip");
    expect((await owner.client.data(DELETE_JOB, { id: a.id })).deleteJob).toMatchObject({ userErrors: [], job: { prompt: "[deleted]", outputsRemovedReason: "DELETED" } });
    expect((await fetch(a.url)).status).toBe(410);
    const b = await make("second embedded clip");
    const down = (await support.client.data(`mutation($id: ID!) { takeDownJob(id: $id, reason: "policy") { job { job { status } } userErrors { code } } }`, { id: b.id })).takeDownJob;
    expect(down).toEqual({ job: { job: { status: "TAKEN_DOWN" } }, userErrors: [] });
    expect(await jobObjectKeys(app.kinema.store, b.id)).toEqual([]);

    // A queued job (workers stopped): its delete cancels it, and the subscriber is told at once.
    await app.kinema.workers[0]!.stop();
    const queued = (await owner.client.data(GENERATE, { input: { prompt: "never runs", durationSeconds: 1 } })).generateVideo.job.id as string;
    const heard: string[] = [];
    const unsubscribe = app.kinema.bus.subscribe((event) => { if (event.kind === "job" && event.jobId === queued) heard.push(event.status); });
    expect((await owner.client.data(DELETE_JOB, { id: queued })).deleteJob.job).toMatchObject({ status: "CANCELLED", deletedAt: expect.any(String) });
    await waitFor(async () => heard.includes("CANCELLED"), 5_000, "the cancel event");
    unsubscribe();
    const removal = new RemovalService(app.kinema.pool, app.kinema.store, app.kinema.bus, createLogger("test"));
    expect(await removal.sweep({ FREE: 0, PLUS: 0 })).toMatchObject({ expired: 0 });
  }, 240_000); // ~12 s alone; PGlite and two clips on a loaded 2-core machine take many times that
});
