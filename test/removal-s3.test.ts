// Removal on the S3-compatible store (s3rver, as test/s3-resume.test.ts uses): deleting and taking down
// remove the objects from the bucket (the server's own event log says so), the API hands out no URL any
// more, and a presigned URL issued before answers what the store answers for a missing key: 404
// NoSuchKey here (AWS S3 answers 403 AccessDenied instead when the reader may not list the bucket). A
// presigned URL cannot be revoked; it ends when the object is gone or at its expiry. An API-signed
// /files/ link to the same key answers 410.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UrlSigner } from "../src/storage/signed-urls.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";
import { GENERATE } from "./helpers/graphql.js";
import { jobObjectKeys } from "./helpers/objects.js";
import { DELETE_JOB, JOB_VIEW, storingStage } from "./helpers/removal.js";
import { startS3, type TestS3 } from "./helpers/s3.js";

let db: TestDatabase;
let s3: TestS3;
let app: TestKinema;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  s3 = await startS3("kinema-removal");
  app = await startTestKinema({
    databaseUrl: db.url, workers: 1,
    env: {
      KINEMA_HOUSEKEEPING_MS: "0", KINEMA_STORE: "s3", KINEMA_S3_ENDPOINT: s3.endpoint, KINEMA_S3_BUCKET: s3.bucket,
      KINEMA_S3_FORCE_PATH_STYLE: "true", KINEMA_S3_ACCESS_KEY_ID: "S3RVER", KINEMA_S3_SECRET_ACCESS_KEY: "S3RVER",
    },
    stages: (deps) => [storingStage(deps.store)],
  });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 180_000);
afterAll(async () => {
  await sql?.end();
  await app?.stop();
  await s3?.stop();
  await db?.drop();
});

async function delivered(client: Awaited<ReturnType<TestKinema["account"]>>["client"]) {
  const { generateVideo } = await client.data(GENERATE, { input: { prompt: "a harbour at night", durationSeconds: 1 } });
  const id = generateVideo.job.id as string;
  const job = await waitFor(async () => {
    const { job } = await client.data(JOB_VIEW, { id });
    return job.status === "SUCCEEDED" ? job : null;
  }, 60_000, "the job to succeed");
  return { id, url: job.video.url as string };
}

describe("removal on S3", () => {
  it("deleteJob removes every object from the bucket; the old presigned URL stops working, /files/ links answer 410", async () => {
    const owner = await app.account("FREE");
    const { id, url } = await delivered(owner.client);
    expect(url.startsWith(s3.endpoint)).toBe(true);
    expect((await fetch(url)).status).toBe(200);
    const clipKey = (await sql.query(`SELECT video->>'key' AS key FROM jobs WHERE id = $1`, [id])).rows[0].key as string;
    // A /files/ link the API could have signed for the same key (same secret as this API's).
    const secret = (await sql.query(`SELECT value FROM settings WHERE key = 'url_signing_secret'`)).rows[0].value as string;
    const signer = new UrlSigner(Buffer.from(secret, "base64url"), 3600);
    signer.baseUrl = app.url.replace(/\/graphql$/, "").replace(/\/$/, "");
    const link = signer.sign(clipKey, Date.now(), id).url;
    expect((await fetch(link)).status).toBe(200);

    const { deleteJob } = await owner.client.data(DELETE_JOB, { id });
    expect(deleteJob).toMatchObject({ userErrors: [], job: { video: null, outputsRemovedReason: "DELETED" } });
    expect(await jobObjectKeys(app.kinema.store, id)).toEqual([]);
    expect(s3.events.filter((e) => e.event === "removed").map((e) => e.key)).toContain(clipKey);
    const presigned = await fetch(url);
    expect(presigned.status).toBe(404);
    expect(await presigned.text()).toMatch(/NoSuchKey/);
    expect((await fetch(link)).status).toBe(410);
    // No new URL is handed out.
    expect((await owner.client.data(JOB_VIEW, { id })).job.video).toBeNull();
  });
});
