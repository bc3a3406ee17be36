// The kill switches (src/safety/switches), end to end on real PostgreSQL, the real API and the real
// worker pipeline: each change is an admin mutation with exactly one audit row (before and after), bad
// values are userErrors, and a change made by another process is in force here without a restart.
//  - a suspended pre-filter category refuses every prompt that comes near it (CATEGORY_SUSPENDED);
//  - the face hold: the worker records a face in the clip and completes it as held; the API signs no URL
//    for it while the switch is on (Job.deliveryHold says why) and does once it is off, without generating
//    the clip again; a face clip delivered before the switch went on gets no new URL either (the hold is
//    decided when a URL is asked for); a clip without a face is delivered all along;
//  - the tightening factor: a frame the NSFW classifier passes at the configured thresholds is blocked
//    once the factor lowers them.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db/pool.js";
import { createLogger } from "../src/log.js";
import { SafetySwitchStore } from "../src/safety/switches/service.js";
import { productionStages } from "../workers/stages/index.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { withEngine } from "./helpers/engine.js";
import { faceFrame, facelessFrame } from "./helpers/face-frames.js";
import { GENERATE } from "./helpers/graphql.js";
import { spliceStage } from "./helpers/splice-stage.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const SWITCHES = `{ safetySwitches { version holdFaceClips suspendedCategories thresholdFactor updatedBy reason } }`;
const UPDATE = `mutation($input: UpdateSafetySwitchesInput!) { updateSafetySwitches(input: $input) {
  switches { version holdFaceClips suspendedCategories thresholdFactor updatedBy reason } userErrors { code message field } } }`;
const JOB = `query($id: ID!) { job(id: $id) { status attempts video { url bytes } deliveryHold { code message } error { code } } }`;

const auditRows = async () => (await pool.query(`SELECT actor_account_id, action, target_type, target_id, reason, before, after FROM audit_log WHERE action = 'safetySwitches.update' ORDER BY id`)).rows;

/** another process's view of the switches: it makes a change this process must pick up by polling */
const otherProcess = () => SafetySwitchStore.start(pool, { pollMs: 0 }, createLogger("other-process"));

async function submit(client: TestKinema["client"] extends (k: string) => infer C ? C : never, prompt: string, seed?: number) {
  const { generateVideo } = await client.data(GENERATE, { input: { prompt, durationSeconds: 2, resolution: "R480P", ...(seed === undefined ? {} : { seed }) } });
  return generateVideo as { job: { id: string } | null; userErrors: { code: string; message: string; field: string[] }[] };
}

describe("kill switches: admin API, audit, hot reload, suspended categories", () => {
  it("changes only through an admin, audited once with before and after; refuses bad values; suspends a category and lifts it from another process", async () => {
    const app = await startTestKinema({ databaseUrl: db.url, env: { KINEMA_SAFETY_POLL_MS: "100" } });
    try {
      const admin = await app.account("FREE", "ADMIN");
      const support = await app.account("FREE", "SUPPORT");
      const user = await app.account("FREE");
      expect((await support.client.data(SWITCHES)).safetySwitches).toMatchObject({ version: 1, holdFaceClips: false, suspendedCategories: [], thresholdFactor: 1 });
      expect((await support.client.request(UPDATE, { input: { holdFaceClips: true } })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect((await user.client.request(SWITCHES)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

      const bad = (await admin.client.data(UPDATE, { input: { thresholdFactor: 0.05 } })).updateSafetySwitches;
      expect(bad).toEqual({ switches: null, userErrors: [{ code: "INVALID_INPUT", message: "thresholdFactor must be 0.1 to 1.", field: ["input", "thresholdFactor"] }] });
      expect((await admin.client.data(UPDATE, { input: { reason: "nothing" } })).updateSafetySwitches.userErrors[0].code).toBe("INVALID_INPUT");
      expect(await auditRows()).toEqual([]);

      // "gore" as a skirt panel is a benign sense: the rules pass it, but it comes near VIOLENCE
      const benign = "a woman in a gore skirt walking in the park";
      expect((await submit(user.client, benign)).job).not.toBeNull();

      const on = (await admin.client.data(UPDATE, { input: { suspendedCategories: ["VIOLENCE"], reason: "incident 42" } })).updateSafetySwitches;
      expect(on).toMatchObject({ userErrors: [], switches: { version: 2, suspendedCategories: ["VIOLENCE"], updatedBy: `account:${admin.id}`, reason: "incident 42" } });
      const rows = await auditRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor_account_id: admin.id, target_type: "SafetySwitches", target_id: "1", reason: "incident 42",
        before: { version: 1, suspendedCategories: [] }, after: { version: 2, suspendedCategories: ["VIOLENCE"] } });

      const refused = await submit(user.client, benign);
      expect(refused.job).toBeNull();
      expect(refused.userErrors).toEqual([{ code: "CATEGORY_SUSPENDED", message: expect.stringMatching(/violence.*paused/), field: ["input", "prompt"] }]);
      expect((await submit(user.client, "gory battle scene")).userErrors[0]!.code).toBe("PROMPT_BLOCKED"); // a rule's block stays a rule's
      expect((await submit(user.client, "a quiet harbour at dawn")).job).not.toBeNull(); // nowhere near it
      expect((await submit(user.client, "a model wearing nude lipstick")).job).not.toBeNull(); // near SEXUAL, which is not suspended

      // Lifted by another process (another API replica): this one follows by polling, no restart.
      const other = await otherProcess();
      await other.update({ suspendedCategories: [] }, { reason: "incident over", actor: `account:${admin.id}`, account: { id: admin.id, role: "ADMIN" } });
      await waitFor(async () => app.kinema.switches.current.version === 3, 5_000, "the API process to reload the switches");
      expect((await submit(user.client, benign)).job).not.toBeNull();
      expect(await auditRows()).toHaveLength(2);
      await other.stop();
    } finally {
      await app.stop();
    }
  }, 120_000);
});

describe("kill switches in the worker's pipeline", () => {
  // seeds 51 and 54: a frame with faces spliced in; 52 and 53: the same frame with the faces painted over
  const splicing = (deps: Parameters<typeof productionStages>[0]) => {
    const stages = productionStages(deps);
    const decoding = stages.findIndex((s) => s.stage === "DECODING");
    const splice = spliceStage(async (job, width, height) => (job.seed === 51 || job.seed === 54 ? faceFrame(width, height) : facelessFrame(width, height)), 5);
    return [...stages.slice(0, decoding + 1), splice, ...stages.slice(decoding + 1)];
  };

  it("holds a clip with a face while the face hold is on and releases it without regenerating; tightening blocks what passed", () =>
    withEngine(db.url, { KINEMA_SAFETY_POLL_MS: "100" }, async (app) => {
      const admin = await app.account("FREE", "ADMIN");
      const user = await app.account("FREE");
      const ended = (id: string) => waitFor(async () => {
        const r = (await pool.query(`SELECT status, attempts, metadata, video FROM jobs WHERE id = $1`, [id])).rows[0];
        return ["SUCCEEDED", "FAILED", "BLOCKED"].includes(r.status) ? r : null;
      }, 300_000, "the job to end");

      // A clip with a face, delivered before the switch is thrown: signed and served. (Its run time would
      // make admission control predict a wait over the FREE target for the two submitted together below.)
      await app.kinema.scheduler.update({ admissionControl: false }, { actor: "test", reason: "three clips on one worker" });
      const early = await app.account("FREE");
      const submitted = await submit(early.client, "a grey circle moving right", 54);
      expect(submitted.userErrors).toEqual([]);
      const earlier = submitted.job!.id;
      const deliveredEarlier = await ended(earlier);
      expect(deliveredEarlier.status).toBe("SUCCEEDED");
      expect(deliveredEarlier.metadata.postfilter.faces).toMatchObject({ detected: true });
      expect(deliveredEarlier.metadata.delivery).toBeUndefined();
      const earlierView = (await early.client.data(JOB, { id: earlier })).job;
      expect(earlierView.deliveryHold).toBeNull();
      expect((await fetch(earlierView.video.url)).status).toBe(200);

      // Thrown by another process; the worker and the API here pick it up by polling.
      const other = await otherProcess();
      const before = app.kinema.switches.current.version;
      await other.update({ holdFaceClips: true }, { reason: "face incident", actor: `account:${admin.id}`, account: { id: admin.id, role: "ADMIN" } });
      await waitFor(async () => app.kinema.switches.current.version > before, 5_000, "this process to reload the switches");
      await other.stop();

      // The clip delivered before: no URL is signed for it any more while the hold is on.
      expect((await early.client.data(JOB, { id: earlier })).job).toMatchObject({ status: "SUCCEEDED", video: null, deliveryHold: { code: "FACE_HOLD" } });

      const withFace = (await submit(user.client, "a grey circle moving right", 51)).job!.id;
      const faceless = (await submit(user.client, "a grey circle moving right", 52)).job!.id;
      const held = await ended(withFace);
      expect(held.status).toBe("SUCCEEDED");
      expect(held.metadata.postfilter.faces).toMatchObject({ detected: true, frames: [5] });
      expect(held.metadata.delivery).toMatchObject({ held: "FACE_HOLD" });
      expect(held.video.key).toBeTruthy(); // completed and stored, only not delivered
      const heldView = (await user.client.data(JOB, { id: withFace })).job;
      expect(heldView).toMatchObject({ status: "SUCCEEDED", video: null, deliveryHold: { code: "FACE_HOLD" } });

      const clean = await ended(faceless);
      expect(clean.status).toBe("SUCCEEDED");
      expect(clean.metadata.postfilter.faces).toEqual({ detected: false, frames: [], max: 0 });
      expect(clean.metadata.delivery).toBeUndefined();
      const cleanView = (await user.client.data(JOB, { id: faceless })).job;
      expect(cleanView.deliveryHold).toBeNull();
      expect(cleanView.video.url).toBeTruthy();

      // Off: the same stored clip is delivered, not generated again.
      const off = (await admin.client.data(UPDATE, { input: { holdFaceClips: false, reason: "incident over" } })).updateSafetySwitches;
      expect(off.userErrors).toEqual([]);
      const released = (await user.client.data(JOB, { id: withFace })).job;
      expect(released).toMatchObject({ status: "SUCCEEDED", attempts: 1, deliveryHold: null });
      expect((await early.client.data(JOB, { id: earlier })).job).toMatchObject({ deliveryHold: null, video: { url: expect.any(String) } });
      const response = await fetch(released.video.url);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBe(released.video.bytes);
      expect((await pool.query(`SELECT video FROM jobs WHERE id = $1`, [withFace])).rows[0].video.key).toBe(held.video.key);

      // Tightened to 0.4: Porn's 0.7 becomes 0.28, under the faceless frame's ~0.39 that passed above.
      const tight = (await admin.client.data(UPDATE, { input: { thresholdFactor: 0.4, reason: "tighten" } })).updateSafetySwitches;
      expect(tight.switches.thresholdFactor).toBe(0.4);
      const blocked = await ended((await submit(user.client, "a grey circle moving right", 53)).job!.id);
      expect(blocked.status).toBe("BLOCKED");
      expect(blocked.metadata.postfilter).toMatchObject({ category: "sexual", thresholdFactor: 0.4 });
      expect(blocked.metadata.postfilter.flagged).toContainEqual({ frame: 5, category: "sexual" });
      expect(clean.metadata.postfilter.samples.find((s: { frame: number }) => s.frame === 5).scores.nsfw.Porn).toBeLessThan(0.7);
      expect((await auditRows()).map((r) => [r.reason, r.after.holdFaceClips, r.after.thresholdFactor])).toEqual(
        expect.arrayContaining([["face incident", true, 1], ["incident over", false, 1], ["tighten", false, 0.4]]));
    }, splicing), 900_000);
});
