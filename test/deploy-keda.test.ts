// The KEDA ScaledObject's query (deploy/kubernetes/base/worker-scaledobject.yaml, as an overlay renders
// it) against the real schema: a migrated database with jobs submitted through the API and claimed by
// the queue's own claim statement. One row, one number; it rises with claimable queued jobs, weighted
// by tier as the scheduler weighs them, counts running jobs once each, stops at an account's burst cap,
// and follows a change of the scheduler's settings.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { claimJob } from "../src/queue/sql/claimJob.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, type TestKinema } from "./helpers/app.js";
import { GENERATE, type GraphQLTestClient } from "./helpers/graphql.js";
import { find, kubectlStatus, KUSTOMIZE_DIR, renderOverlay } from "./helpers/kubernetes.js";

interface ScaledObject { spec: { triggers: { type: string; metadata: Record<string, string> }[] } }

const kubectl = kubectlStatus("test/deploy-keda.test.ts");

/** The trigger as deployed (rendered when kubectl is here, else read from the base file). */
async function demandTrigger(): Promise<Record<string, string>> {
  let scaled: ScaledObject;
  if (kubectl.available) scaled = find<ScaledObject>(await renderOverlay("production"), "ScaledObject", "kinema-worker");
  else scaled = parseAllDocuments(readFileSync(resolve(KUSTOMIZE_DIR, "base/worker-scaledobject.yaml"), "utf8"))[0]!.toJSON() as ScaledObject;
  const trigger = scaled.spec.triggers.find((t) => t.type === "postgresql");
  if (!trigger?.metadata.query) throw new Error("the ScaledObject has no postgresql trigger with a query");
  return trigger.metadata;
}

let db: TestDatabase;
let app: TestKinema;
let trigger: Record<string, string>;

beforeAll(async () => {
  trigger = await demandTrigger();
  db = await createTestDatabase();
  app = await startTestKinema({ databaseUrl: db.url }); // no workers: jobs stay queued until claimed here
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

async function demand(): Promise<number> {
  const { rows, fields } = await app.kinema.pool.query(trigger.query!);
  expect(rows).toHaveLength(1);
  expect(fields).toHaveLength(1);
  const value = Object.values(rows[0] as Record<string, unknown>)[0];
  expect(typeof value).toBe("number");
  return value as number;
}

let seed = 0;
async function submit(client: GraphQLTestClient): Promise<string> {
  const { generateVideo } = await client.data(GENERATE, { input: { prompt: `a square ${seed}`, durationSeconds: 1, resolution: "R480P", seed: seed++ } });
  expect(generateVideo.userErrors).toEqual([]);
  return generateVideo.job.id;
}

describe("the KEDA worker-demand query", () => {
  it("is 0 with nothing queued or running: below KEDA's activation value, so workers can scale to zero", async () => {
    expect(await demand()).toBe(0);
    expect(Number(trigger.activationTargetQueryValue)).toBeGreaterThanOrEqual(0);
    expect(Number(trigger.activationTargetQueryValue)).toBeLessThan(1); // any single job activates
    expect(Number(trigger.targetQueryValue)).toBe(1); // one worker per unit of demand
  });

  it("rises with queued jobs, a PLUS job counting its weight (2) and a FREE job 1", async () => {
    const free = await app.account("FREE");
    await submit(free.client);
    expect(await demand()).toBe(1);
    await submit(free.client);
    expect(await demand()).toBe(2);
    const plus = await app.account("PLUS");
    await submit(plus.client);
    expect(await demand()).toBe(4);
  });

  it("counts no more of an account's queued jobs than its burst cap leaves (FREE: 3)", async () => {
    const free = await app.account("FREE");
    for (let i = 0; i < 5; i++) await submit(free.client);
    expect(await demand()).toBe(4 + 3);
  });

  it("counts a running job once, whatever its tier", async () => {
    const before = await demand();
    // The queue's own claim (lanes by pass: PLUS first on a tie): one PLUS job leaves the queue (-2) and runs (+1).
    const claimed = (await claimJob(app.kinema.pool, "deploy-keda-test", 60_000, "DENOISING"))?.job;
    expect(claimed?.tier).toBe("PLUS");
    expect(await demand()).toBe(before - 2 + 1);
  });

  it("follows the scheduler's weights, and ignores them with fair share off", async () => {
    const before = await demand(); // 1 running + 5 claimable FREE (2 + 3 capped)
    expect(before).toBe(6);
    const plus = await app.account("PLUS");
    await submit(plus.client);
    expect(await demand()).toBe(before + 2);
    await app.kinema.scheduler.update({ plusWeight: 4 }, { actor: "test", reason: "mitigation" });
    expect(await demand()).toBe(before + 4);
    await app.kinema.scheduler.update({ plusWeight: 1, freeWeight: 2 }, { actor: "test", reason: "FREE heavier" });
    // normalised by the lighter tier: FREE 2, PLUS 1
    expect(await demand()).toBe(1 + 5 * 2 + 1);
    await app.kinema.scheduler.update({ fairShare: false }, { actor: "test", reason: "FIFO" });
    expect(await demand()).toBe(1 + 5 + 1);
  });

  it("does not count a job waiting out a retry delay until it is claimable", async () => {
    const before = await demand();
    const free = await app.account("FREE");
    const id = await submit(free.client);
    expect(await demand()).toBe(before + 1);
    await app.kinema.pool.query(`UPDATE jobs SET run_after = now() + interval '1 minute' WHERE id = $1`, [id]);
    expect(await demand()).toBe(before);
  });
});
