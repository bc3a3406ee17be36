// The container image, end to end (opt-in: KINEMA_IMAGE_TEST=1; .ci/run runs it after `npm test`): it
// builds (npm run image:build), `migrate` migrates a fresh database and exits (twice at once: the lock),
// `migrate --wait` only waits, `api` serves and is ready, and a job submitted to the containerised API is
// run by a containerised `worker` to SUCCEEDED, its clip served back by the API from the shared disk
// store. Every container runs with a read-only root file system as the image's non-root user. Prints one
// JSON line with the timings and the image size.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../src/accounts/accounts.js";
import { loadMigrations } from "../src/db/migrate.js";
import { createPrisma } from "../src/db/prisma.js";
import { createScratchDatabase, type ScratchDatabase } from "../src/db/scratch.js";
import { ADMIN_URL } from "./helpers/db.js";
import { waitFor } from "./helpers/app.js";
import { GENERATE, GraphQLTestClient } from "./helpers/graphql.js";
import { ensureImage, podmanAvailable, removeContainers, runContainer } from "./helpers/image.js";

const wanted = process.env.KINEMA_IMAGE_TEST === "1";
const podman = podmanAvailable();
if (!wanted) console.warn("SKIPPED test/deploy-image.test.ts: set KINEMA_IMAGE_TEST=1 to build and run the image (minutes; .ci/run does)");
else if (!podman.available) throw new Error(`KINEMA_IMAGE_TEST=1 but ${podman.reason}`);

const API_PORT = 19110;
/** A container start, tsx's compile and a migration, on a loaded 2-core machine. */
const CONTAINER_MS = 180_000;
const METRICS_PORT = 19111;
const timings: Record<string, number> = {};
let image: string;
let db: ScratchDatabase;
let dataDir: string;

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

describe.skipIf(!wanted)("the Kinema image", () => {
  beforeAll(async () => {
    image = await timed("imageMs", ensureImage);
    db = await createScratchDatabase(ADMIN_URL, "kinema_deploy_image"); // empty: nothing migrated
    dataDir = await mkdtemp(join(tmpdir(), "kinema-deploy-image-"));
  }, 30 * 60_000);
  afterAll(async () => {
    await removeContainers();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    const size = image ? Number((await import("node:child_process")).execFileSync("podman", ["--runtime", "runc", "image", "inspect", "--format", "{{.Size}}", image], { encoding: "utf8" }).trim()) : null;
    console.log(JSON.stringify({ test: "deploy-image", image, sizeMiB: size && Math.round(size / 1048576), ...timings }));
  });

  it("waits with `migrate --wait` on an empty database, and gives up at its timeout without migrating", async () => {
    const waiter = await runContainer("migrate", { DATABASE_URL: db.url }, { image, name: "kinema-deploy-wait", args: ["--wait", "--timeout", "3"] });
    expect(await waiter.wait()).toBe(1);
    expect(await waiter.logs()).toMatch(/did not reach this build's migrations within 3000 ms \(still missing 0001_init/);
    await waiter.stop();
  }, CONTAINER_MS);

  it("migrates a fresh database with `migrate` and exits 0, two at once applying each migration once", async () => {
    const names = (await loadMigrations()).map((m) => m.name);
    const [a, b] = await Promise.all(["kinema-deploy-migrate-a", "kinema-deploy-migrate-b"].map((name) => runContainer("migrate", { DATABASE_URL: db.url }, { image, name })));
    const codes = await timed("migrateMs", () => Promise.all([a!.wait(), b!.wait()]));
    expect(codes).toEqual([0, 0]);
    const logs = (await a!.logs()) + (await b!.logs());
    expect(logs).toContain('"msg":"applied migrations"');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations" ORDER BY 1`);
      expect(rows.map((r) => r.migration_name)).toEqual(names); // each once
    } finally {
      await client.end();
    }
    await Promise.all([a!.stop(), b!.stop()]);
    const waiter = await runContainer("migrate", { DATABASE_URL: db.url }, { image, name: "kinema-deploy-wait", args: ["--wait"] });
    expect(await waiter.wait()).toBe(0);
    await waiter.stop();
  }, CONTAINER_MS);

  it("refuses to start a role without DATABASE_URL (no embedded mode in the image)", async () => {
    const api = await runContainer("api", {}, { image, name: "kinema-deploy-nodb" });
    expect(await api.wait()).toBe(64);
    expect(await api.logs()).toContain("DATABASE_URL is not set");
    await api.stop();
  }, CONTAINER_MS);

  it("serves the API, and a worker runs a job submitted to it to SUCCEEDED", async () => {
    const shared = { DATABASE_URL: db.url, KINEMA_STORE: "disk", KINEMA_MODEL_DIR: "models/kinema-tiny", KINEMA_POLL_MS: "200", LOG_LEVEL: "info" };
    await timed("apiReadyMs", async () => {
      await runContainer("api", { ...shared, PORT: String(API_PORT) }, { image, name: "kinema-deploy-api", dataDir });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${API_PORT}/readyz`).catch(() => null))?.status === 200, 120_000, "the API's /readyz");
    });
    const worker = await runContainer("worker", { ...shared, KINEMA_METRICS_PORT: String(METRICS_PORT), KINEMA_ORT_THREADS: "1" }, { image, name: "kinema-deploy-worker", dataDir });

    const prisma = createPrisma(db.url, 1);
    const { apiKey } = await new AccountService(prisma).create({ name: "image test", tier: "FREE" }).finally(() => prisma.$disconnect());
    const client = new GraphQLTestClient(`http://127.0.0.1:${API_PORT}/graphql`, apiKey);
    const { generateVideo } = await client.data(GENERATE, { input: { prompt: "a red circle moving left", durationSeconds: 1, resolution: "R480P", seed: 3 } });
    expect(generateVideo.userErrors).toEqual([]);
    const job = await timed("jobMs", () => waitFor(async () => {
      const { job } = await client.data(`query($id: ID!) { job(id: $id) { status error { code message } video { url bytes provenance { state } } } }`, { id: generateVideo.job.id });
      if (job.status === "FAILED" || job.status === "BLOCKED" || job.status === "CANCELLED") throw new Error(`job ended ${job.status}: ${JSON.stringify(job.error)}\n${await worker.logs()}`);
      return job.status === "SUCCEEDED" ? job : null;
    }, 10 * 60_000, "the job to succeed"));
    expect(job.video.provenance.state).toMatch(/^(Trusted|Valid)$/);
    // The API container serves the clip the worker container wrote to the shared data volume.
    const clip = Buffer.from(await (await fetch(job.video.url)).arrayBuffer());
    expect(clip.length).toBe(job.video.bytes);
    expect(clip.subarray(4, 8).toString("latin1")).toBe("ftyp");
    const metrics = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
    expect(metrics).toMatch(/kinema_jobs_total\{[^}]*status="SUCCEEDED"[^}]*\} 1/);

    // SIGTERM: the idle worker deregisters and exits 0 well within the drain budget.
    await timed("workerStopMs", async () => {
      await worker.kill("SIGTERM");
      expect(await worker.wait()).toBe(0);
    });
  }, 15 * 60_000);
});
