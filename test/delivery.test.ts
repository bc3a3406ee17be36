// Provenance and delivery through the real pipeline: every delivered clip carries C2PA credentials that
// verify against the trust anchor, the API shows them, and a clip whose signing fails or whose
// credentials do not verify is never SUCCEEDED and never stored.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPool } from "../src/db/pool.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevChain } from "../src/provenance/certs.js";
import { verifyFile } from "../src/provenance/verify.js";
import { S3ObjectStore } from "../src/storage/s3.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { waitFor, type TestKinema } from "./helpers/app.js";
import { withEngine as withEngineOn } from "./helpers/engine.js";
import { GENERATE } from "./helpers/graphql.js";
import { startS3 } from "./helpers/s3.js";
import { settledJobObjectKeys } from "./helpers/objects.js";

let db: TestDatabase;
let pool: pg.Pool;
let certs: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 2);
  certs = await mkdtemp(join(tmpdir(), "kinema-certs-"));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(certs, { recursive: true, force: true });
});

const withEngine = (env: Record<string, string>, body: (app: TestKinema & { dataDir: string }) => Promise<void>) =>
  withEngineOn(db.url, env, body);

const VIDEO = `query($id: ID!) { job(id: $id) { status attempts error { code message } video { url bytes provenance { state issuer signedAt claimGenerator actions } } } }`;

async function submit(app: TestKinema, seed: number) {
  const account = await app.account("FREE");
  const { generateVideo } = await account.client.data(GENERATE, { input: { prompt: "a purple square moving down", durationSeconds: 1, resolution: "R480P", seed } });
  const job = await waitFor(async () => {
    const { job } = await account.client.data(VIDEO, { id: generateVideo.job.id });
    return ["SUCCEEDED", "FAILED"].includes(job.status) ? job : null;
  }, 60_000, "the job to finish");
  return { ...job, id: generateVideo.job.id as string };
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function flipInMdat(file: Buffer): Buffer {
  const copy = Buffer.from(file);
  const at = copy.indexOf("mdat") + 4 + 100;
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

describe("delivery with content credentials", () => {
  it("delivers only signed clips that verify as Trusted against the anchor, and shows the credentials", () => withEngine({}, async (app) => {
    const job = await submit(app, 21);
    expect(job.status).toBe("SUCCEEDED");
    expect(job.video.provenance).toMatchObject({ state: "Trusted", actions: ["c2pa.created"] });
    expect(job.video.provenance.claimGenerator).toMatch(/^Kinema\//);

    const file = join(app.dataDir, "delivered.mp4");
    const bytes = Buffer.from(await (await fetch(job.video.url)).arrayBuffer());
    await writeFile(file, bytes);
    const root = await readFile(join(app.dataDir, "certs", "root.pem"), "utf8");
    const verified = await verifyFile(file, { trustAnchorsPem: root });
    expect(verified.state).toBe("Trusted");
    expect(verified.kinema).toMatchObject({ jobId: job.id, modelId: "kinema-tiny", stepsExecuted: 30, resolution: "R480P" });
    expect(JSON.stringify(verified.manifest)).not.toContain("purple square"); // no prompt text in the credentials

    await writeFile(file, flipInMdat(bytes));
    const tampered = await verifyFile(file, { trustAnchorsPem: root });
    expect(tampered.state).toBe("Invalid");
    expect(tampered.codes).toContain("assertion.bmffHash.mismatch");
  }));

  it("never delivers when signing fails: retried, then FAILED, and nothing stored", async () => {
    const chain = await createDevChain(join(certs, "other"));
    await withEngine({ KINEMA_C2PA_CERT_CHAIN: chain.chain, KINEMA_C2PA_SIGNER_MODULE: "test/fixtures/failing-signer.ts" }, async (app) => {
      const job = await submit(app, 22);
      expect(job).toMatchObject({ status: "FAILED", attempts: 3, error: { code: "SIGNING_FAILED" }, video: null });
      // no clip, and a job that failed for good keeps no checkpoint or preview either
      expect(await settledJobObjectKeys(app.kinema.store, job.id, [])).toEqual([]);
    });
  });

  it("never delivers a clip whose credentials do not chain to the configured anchor: PROVENANCE_INVALID", async () => {
    const signing = await createDevChain(join(certs, "signing"));
    const unrelated = await createDevChain(join(certs, "unrelated"));
    const env = { KINEMA_C2PA_CERT_CHAIN: signing.chain, KINEMA_C2PA_PRIVATE_KEY: signing.key, KINEMA_C2PA_TRUST_ANCHORS: unrelated.root };
    await withEngine(env, async (app) => {
      const job = await submit(app, 23);
      expect(job).toMatchObject({ status: "FAILED", attempts: 1, error: { code: "PROVENANCE_INVALID" }, video: null });
      expect(job.error.message).toContain("signingCredential.untrusted");
      expect(await settledJobObjectKeys(app.kinema.store, job.id, [])).toEqual([]);
    });
  });

  it("delivers through an S3-compatible store with a presigned URL (checkpoints and previews there too)", async () => {
    const s3 = await startS3("kinema-delivery");
    const bucket = new S3ObjectStore(s3.options); // a client of its own, to read what the server holds
    try {
      const env = {
        KINEMA_STORE: "s3", KINEMA_S3_ENDPOINT: s3.endpoint, KINEMA_S3_BUCKET: s3.bucket, KINEMA_S3_FORCE_PATH_STYLE: "true",
        KINEMA_S3_ACCESS_KEY_ID: "S3RVER", KINEMA_S3_SECRET_ACCESS_KEY: "S3RVER",
      };
      await withEngine(env, async (app) => {
        const job = await submit(app, 24);
        expect(job.status).toBe("SUCCEEDED");
        const { rows: [{ key: videoKey, token }] } = await pool.query(`SELECT video->>'key' AS key, fencing_token AS token FROM jobs WHERE id = $1`, [job.id]);
        expect(videoKey).toBe(`videos/${job.id}/${token}.mp4`); // the key of the lease that delivered
        expect(job.video.url.startsWith(`${s3.endpoint}/${s3.bucket}/${videoKey}?`)).toBe(true);
        expect(job.video.url).toContain("X-Amz-Signature=");
        const response = await fetch(job.video.url);
        expect(response.status).toBe(200);
        const delivered = Buffer.from(await response.arrayBuffer());
        // the presigned URL serves exactly the object in the bucket, the size the job records
        const stored = await bucket.get(videoKey);
        expect(stored && sha256(stored)).toBe(sha256(delivered));
        expect(delivered.length).toBe(job.video.bytes);
        const file = join(app.dataDir, "from-s3.mp4");
        await writeFile(file, delivered);
        const root = await readFile(join(app.dataDir, "certs", "root.pem"), "utf8");
        expect((await verifyFile(file, { trustAnchorsPem: root })).state).toBe("Trusted");

        // Once the job's objects are removed (right after SUCCEEDED commits), only the clip, its poster and
        // its spritesheet are left.
        const kept = [videoKey, `posters/${job.id}/${token}.jpg`, `spritesheets/${job.id}/${token}.jpg`].sort();
        expect(await settledJobObjectKeys(bucket, job.id, kept)).toEqual(kept);
        // What the S3 server itself did for this job, in order.
        const ofJob = s3.events.filter((e) => e.key.includes(job.id));
        const created = (key: string) => ofJob.find((e) => e.event === "created" && e.key === key);
        const removedAt = (key: string) => ofJob.findIndex((e) => e.event === "removed" && e.key === key);
        // checkpoints every 10 steps of the 30, each holding the latent (4 bytes a value), removed once the
        // job is SUCCEEDED (a delivered job never resumes; before that, a crash must be able to resume)
        const { rows: [row] } = await pool.query(`SELECT metadata->'denoise'->'latent' AS latent FROM jobs WHERE id = $1`, [job.id]);
        const latentBytes = 4 * (row.latent as number[]).reduce((a, b) => a * b, 1);
        const videoAt = ofJob.findIndex((e) => e.event === "created" && e.key === videoKey);
        expect(videoAt).toBeGreaterThan(-1);
        for (const step of [10, 20]) {
          const key = `checkpoints/${job.id}/${token}-${step}.ckpt`;
          expect(created(key)?.size, key).toBeGreaterThanOrEqual(latentBytes);
          expect(removedAt(key), key).toBeGreaterThan(videoAt);
          expect(await bucket.get(key), key).toBeNull();
        }
        expect(ofJob.filter((e) => e.key.startsWith("checkpoints/")).map((e) => e.event)).toEqual(["created", "created", "removed", "removed"]);
        // previews every 5 steps while the job runs (live progress shows them), removed with the
        // checkpoints once it is SUCCEEDED (no client is shown a preview of a finished job)
        for (const step of [5, 10, 15, 20, 25, 30]) {
          const key = `previews/${job.id}/${token}-${step}.png`;
          expect(created(key), key).toBeDefined();
          expect(removedAt(key), key).toBeGreaterThan(videoAt);
        }
        // and nothing went to the disk store
        expect(existsSync(join(app.dataDir, "objects"))).toBe(false);
      });
    } finally {
      bucket.close();
      await s3.stop();
    }
  });
});
