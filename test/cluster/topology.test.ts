// The multi-node topology on one machine (`npm run test:cluster`, not part of `npm test`): HAProxy in
// front of two API processes, PgBouncer (transaction mode) in front of PostgreSQL, s3rver as the object
// store, three worker processes, 100 graphql-ws subscribers through HAProxy. While jobs run: kill -9 one
// API process, SIGTERM one worker (drain), kill -9 another, restart PgBouncer. Then: every job SUCCEEDED
// exactly once, every clip verifies Trusted, every subscriber saw every terminal state, and no request
// failed except those on the killed connections. Prints one JSON summary line.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../src/accounts/accounts.js";
import { createPool } from "../../src/db/pool.js";
import { createPrisma } from "../../src/db/prisma.js";
import { ensureDevChain } from "../../src/provenance/certs.js";
import { verifyFile } from "../../src/provenance/verify.js";
import { S3ObjectStore } from "../../src/storage/s3.js";
import { waitFor } from "../helpers/app.js";
import { killApis, spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { ensureImage, podmanAvailable, removeContainers, runContainer, type Container } from "../helpers/image.js";
import { GENERATE, GraphQLTestClient } from "../helpers/graphql.js";
import { engineWorkerEnv, killAll, spawnWorker, type WorkerProcess } from "../helpers/processes.js";
import { startS3, type TestS3 } from "../helpers/s3.js";
import { startHaproxy, startPgBouncer, type Engine } from "./engines.js";
import { recordEvents, recomputedSteps, type EventLog } from "./events.js";
import { connectionCounts, rssKiB } from "./measure.js";
import { allTerminal, missing, subscribe, type Subscriber } from "./subscribers.js";

const env = process.env;
const PORTS = { pgbouncer: 19210, haproxy: 19220, apis: [19231, 19232] };
// HAProxy routes to an API only while its /readyz (which checks the database) answers 200.
const HEALTH_PATH = env.KINEMA_CLUSTER_HEALTH_PATH ?? "/readyz";
// One worker runs from the built image (podman) wherever podman runs; KINEMA_CLUSTER_IMAGE_WORKER=0 opts out.
const IMAGE_WORKER = env.KINEMA_CLUSTER_IMAGE_WORKER !== "0" && podmanAvailable().available;
const JOBS = Number(env.KINEMA_CLUSTER_JOBS ?? 8);
const SUBSCRIBERS = Number(env.KINEMA_CLUSTER_SUBSCRIBERS ?? 100);
const ACCOUNTS = 4;
const STEPS = 20;
const CHECKPOINT_EVERY = 5;
// Steps the drained (SIGTERMed) worker's job may recompute: none, the drain checkpoints the step it was in.
const MAX_RECOMPUTED_DRAINED = Number(env.KINEMA_CLUSTER_MAX_RECOMPUTED_DRAINED ?? 0);
// A kill -9 loses at most the steps since the last checkpoint.
const MAX_RECOMPUTED_KILLED = CHECKPOINT_EVERY - 1;
const KILL_GRACE_MS = 5_000;

let db: TestDatabase;
let direct: pg.Pool;
let s3: TestS3;
let dir: string;
let pgbouncer: Engine | null = null;
let haproxy: Engine | null = null;
let events: EventLog | null = null;
const apis: ApiProcess[] = [];
const workers: WorkerProcess[] = [];
const imageWorkers: Container[] = [];
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  direct = createPool(db.url, 4);
  s3 = await startS3("kinema-cluster");
  dir = await mkdtemp(join(tmpdir(), "kinema-cluster-"));
});
afterAll(async () => {
  for (const s of subscribers) s.disposed = true;
  await Promise.all(subscribers.map((s) => s.client.dispose()));
  await Promise.all(imageWorkers.map((w) => w.stop().catch(() => {})));
  await removeContainers().catch(() => {});
  await killAll(workers);
  await killApis(apis);
  await haproxy?.stop();
  await pgbouncer?.stop();
  await events?.stop();
  await direct?.end();
  await db?.drop();
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

const dbName = () => new URL(db.url).pathname.slice(1);
const pooledUrl = (app: string) => `postgresql://postgres@127.0.0.1:${PORTS.pgbouncer}/${dbName()}?application_name=${app}`;
const directUrl = (app: string) => `${db.url}${db.url.includes("?") ? "&" : "?"}application_name=${app}-direct`;

/** What every process of the fleet shares: the pooler, the bucket, the signing credentials. */
function fleetEnv(app: string, chain: { chain: string; key: string; root: string }): Record<string, string> {
  return {
    DATABASE_URL: pooledUrl(app), DATABASE_DIRECT_URL: directUrl(app), KINEMA_DB_POOLER: "pgbouncer",
    KINEMA_STORE: "s3", KINEMA_S3_ENDPOINT: s3.endpoint, KINEMA_S3_BUCKET: s3.bucket, KINEMA_S3_FORCE_PATH_STYLE: "true",
    KINEMA_S3_ACCESS_KEY_ID: "S3RVER", KINEMA_S3_SECRET_ACCESS_KEY: "S3RVER",
    KINEMA_C2PA_CERT_CHAIN: chain.chain, KINEMA_C2PA_PRIVATE_KEY: chain.key, KINEMA_C2PA_TRUST_ANCHORS: chain.root,
    KINEMA_LEADER_RETRY_MS: "500", KINEMA_PLUS_STEPS: String(STEPS), KINEMA_FREE_STEPS: String(STEPS),
  };
}

async function startWorker(name: string, fleet: (app: string) => Record<string, string>): Promise<void> {
  // A 20 s lease, not engineWorkerEnv's 10 s: a dozen processes share this machine with the faults, and at
  // load average 20 a live worker's heartbeats were starved past 10 s, losing its job three times over.
  const workEnv: Record<string, string> = {
    ...engineWorkerEnv(await mkdtemp(join(dir, `${name}-`))), ...fleet(name),
    KINEMA_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY), KINEMA_LEASE_MS: "20000", KINEMA_HEARTBEAT_MS: "2000",
  };
  if (name === "worker-3" && IMAGE_WORKER) {
    // One worker from the built image. Its data folder is a host folder mounted at /var/lib/kinema; the
    // signing credentials are copied into it (the container sees nothing else of the host's files).
    await ensureImage();
    const hostData = await mkdtemp(join(dir, `${name}-image-`));
    await mkdir(join(hostData, "certs"));
    const inside: Record<string, string> = {};
    for (const key of ["KINEMA_C2PA_CERT_CHAIN", "KINEMA_C2PA_PRIVATE_KEY", "KINEMA_C2PA_TRUST_ANCHORS"]) {
      await copyFile(workEnv[key]!, join(hostData, "certs", basename(workEnv[key]!)));
      inside[key] = `/var/lib/kinema/certs/${basename(workEnv[key]!)}`;
    }
    imageWorkers.push(await runContainer("worker", {
      // the model every plain worker of this test runs (spawnWorker sets it): one fleet, one model
      ...workEnv, ...inside, KINEMA_MODEL_DIR: "models/kinema-tiny", KINEMA_DATA_DIR: "/var/lib/kinema", KINEMA_WORKER_ID: name, KINEMA_METRICS_PORT: "19250",
    }, { name: `kinema-cluster-${name}`, dataDir: hostData }));
    return;
  }
  workers.push(spawnWorker(workEnv.DATABASE_URL!, name, workEnv));
}

async function job(id: string) {
  const { rows } = await direct.query(`SELECT status, attempts, steps_completed, lease_owner, video, metadata FROM jobs WHERE id = $1`, [id]);
  return rows[0];
}

/** A job some worker of `names` is denoising, at least `step` steps in. */
async function runningOn(names: string[], step: number): Promise<{ id: string; owner: string; steps: number } | null> {
  const { rows } = await direct.query(
    `SELECT id, lease_owner AS owner, steps_completed AS steps FROM jobs WHERE status = 'RUNNING' AND lease_owner = ANY($1) AND steps_completed >= $2 AND steps_completed < $3 ORDER BY steps_completed LIMIT 1`,
    [names, step, STEPS - 3]);
  return rows[0] ?? null;
}

describe("the cluster topology", () => {
  it("keeps every promise through an API kill, a drain, a worker kill and a PgBouncer restart", async () => {
    const started = Date.now();
    const chain = await ensureDevChain(join(dir, "certs"));
    const fleet = (app: string) => fleetEnv(app, chain);
    events = await recordEvents(db.url);
    pgbouncer = await startPgBouncer({ dir, port: PORTS.pgbouncer, poolSize: 20 });
    for (const [i, port] of PORTS.apis.entries()) {
      apis.push(spawnApi(`api-${i + 1}`, {
        ...fleet(`api-${i + 1}`), PORT: String(port), LOG_LEVEL: "warn", KINEMA_TEST_QUIET: "1",
        KINEMA_WS_MAX_PER_ADDRESS: "1000", KINEMA_WS_MAX_PER_ACCOUNT: "1000",
      }));
    }
    await Promise.all(apis.map((a) => a.url));
    haproxy = await startHaproxy({ dir, port: PORTS.haproxy, backends: PORTS.apis, healthPath: HEALTH_PATH });
    const url = `http://127.0.0.1:${PORTS.haproxy}/graphql`;
    for (let i = 1; i <= 3; i++) await startWorker(`worker-${i}`, fleet);

    // Accounts and their keys, then the jobs, submitted through HAProxy.
    const prisma = createPrisma(db.url, 1);
    const keys = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => new AccountService(prisma).create({ name: `cluster-${i}`, tier: "PLUS" })));
    // Jobs submitted just before the worker kill, so a plain worker is mid-denoise then whatever the first
    // jobs' pace (with 8 jobs, fast steps could finish them all, or leave them to the image worker, before it)
    const reserve = await new AccountService(prisma).create({ name: "cluster-reserve", tier: "PLUS" });
    await prisma.$disconnect();
    const submit = async (apiKey: string, j: number): Promise<string> => {
      const out = await new GraphQLTestClient(url, apiKey).data(GENERATE, {
        input: { prompt: `a red circle moving right ${j}`, durationSeconds: 1, resolution: "R480P", seed: 100 + j },
      });
      expect(out.generateVideo.userErrors).toEqual([]);
      return out.generateVideo.job.id;
    };
    const jobsOf: string[][] = keys.map(() => []);
    for (let j = 0; j < JOBS; j++) jobsOf[j % ACCOUNTS]!.push(await submit(keys[j % ACCOUNTS]!.apiKey, j));
    // every job the test checks at the end: the subscribers' (jobsOf) and the reserve account's, added later
    const jobIds = jobsOf.flat();

    // The subscribers, spread over the accounts; each watches its account's jobs.
    const rssBefore = await Promise.all(apis.map((a) => rssKiB(a.child.pid!)));
    for (let i = 0; i < SUBSCRIBERS; i++) subscribers.push(subscribe(url, keys[i % ACCOUNTS]!.apiKey, jobsOf[i % ACCOUNTS]!));
    await waitFor(async () => subscribers.every((s) => s.connections > 0), 60_000, "every subscriber to connect");
    const rssWith = await Promise.all(apis.map((a) => rssKiB(a.child.pid!)));

    // Plain requests through HAProxy all along; each failure is kept with its time.
    const requests = { sent: 0, failed: [] as { at: number; error: string }[] };
    let polling = true;
    const poller = (async () => {
      const client = new GraphQLTestClient(url, keys[0]!.apiKey);
      while (polling) {
        requests.sent += 1;
        try {
          const res = await client.request(`query($id: ID!) { job(id: $id) { status } }`, { id: jobsOf[0]![requests.sent % jobsOf[0]!.length] });
          if (res.status !== 200 || res.errors?.length) requests.failed.push({ at: Date.now(), error: `${res.status} ${JSON.stringify(res.errors)}` });
        } catch (error) {
          requests.failed.push({ at: Date.now(), error: String(error) });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // The faults, each while jobs run. `windows` are the moments connections were killed on purpose.
    const windows: { what: string; from: number; to: number }[] = [];
    const fault = async (what: string, act: () => Promise<void>) => {
      const from = Date.now();
      await act();
      windows.push({ what, from, to: Date.now() });
    };
    const connections = await connectionCounts(direct, PORTS.pgbouncer);

    // SIGTERM a worker mid-denoise: it drains (hands its job back) and exits 0.
    const drained = await waitFor(() => runningOn(["worker-1"], CHECKPOINT_EVERY + 2), 180_000, "worker-1 mid-denoise");
    const drainedWorker = workers.find((w) => w.id === "worker-1")!;
    drainedWorker.child.kill("SIGTERM");
    expect(await drainedWorker.exited).toBe(0);
    await startWorker("worker-4", fleet);

    // kill -9 an API process (HAProxy gave it about half the sockets); its subscribers reconnect through HAProxy.
    const victimApi = apis[0]!;
    await fault("api kill -9", async () => {
      victimApi.child.kill("SIGKILL");
      await victimApi.exited;
    });

    // Its subscribers are back (through the other API) before the next fault.
    await new Promise((r) => setTimeout(r, 1_000));
    await waitFor(async () => subscribers.every((s) => s.open), 60_000, "subscribers to reconnect");

    // kill -9 a worker mid-denoise: its lease expires, the elected sweeper requeues, another resumes.
    // Any plain worker still running (not the image's): which one is mid-denoise by now depends on timing.
    // One reserve job per live worker (worker-2, worker-4 and worker-3, the image's where podman runs), each
    // taking one job at a time: a plain one very likely gets one (or is still mid-denoise on an earlier job).
    for (let j = 0; j < 3; j++) jobIds.push(await submit(reserve.apiKey, JOBS + j));
    const killed = await waitFor(() => runningOn(["worker-2", "worker-4"], CHECKPOINT_EVERY + 2), 180_000, "worker-2 or worker-4 mid-denoise");
    const killedWorker = workers.find((w) => w.id === killed.owner)!;
    killedWorker.child.kill("SIGKILL");
    await killedWorker.exited;
    const killedAt = await job(killed.id);
    await startWorker("worker-5", fleet);

    // Restart PgBouncer: every pooled connection of every process dies at once.
    await fault("pgbouncer restart", () => pgbouncer!.restart());

    await waitFor(async () => {
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND status IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'BLOCKED')`, [jobIds]);
      return rows[0].n === jobIds.length;
    }, 420_000, "every job to end");
    await waitFor(async () => allTerminal(subscribers), 60_000, "every subscriber to see every terminal state")
      .catch((error) => { throw new Error(`${(error as Error).message}:\n${missing(subscribers).slice(0, 20).join("\n")}`); });
    polling = false;
    await poller;

    // Every job SUCCEEDED, announced as such exactly once, its clip in the bucket and Trusted.
    const bucket = new S3ObjectStore(s3.options);
    const trustAnchorsPem = await readFile(chain.root, "utf8");
    for (const id of jobIds) {
      const row = await job(id);
      expect(row.status, id).toBe("SUCCEEDED");
      expect(events.succeeded(id), `SUCCEEDED announcements of ${id}`).toBe(1);
      const bytes = await bucket.get(row.video.key);
      expect(bytes, id).not.toBeNull();
      const file = join(dir, `${id}.mp4`);
      await writeFile(file, bytes!);
      expect((await verifyFile(file, { trustAnchorsPem })).state, id).toBe("Trusted");
    }
    // Every subscriber saw every job's terminal state, SUCCEEDED.
    for (const s of subscribers) for (const [id, states] of s.terminal) expect(new Set(states), id).toEqual(new Set(["SUCCEEDED"]));
    const onKilled = (at: number) => windows.some((w) => at >= w.from - 100 && at <= w.to + KILL_GRACE_MS);
    const outside = requests.failed.filter((f) => !onKilled(f.at));
    const subscriptionErrors = subscribers.flatMap((s) => s.errors);
    const recomputed = recomputedSteps(events, jobIds, STEPS);
    const drainedRow = await job(drained.id);
    // The summary first, so a failing run still reports its figures.
    const summary = {
      test: "cluster",
      jobs: jobIds.length, succeeded: jobIds.length, subscribers: subscribers.length,
      stepsRecomputed: { total: [...recomputed.values()].reduce((a, b) => a + b, 0), drainedJob: recomputed.get(drained.id) ?? 0, killedJob: recomputed.get(killed.id) ?? 0, maxDrainedAllowed: MAX_RECOMPUTED_DRAINED },
      reconnects: subscribers.reduce((n, s) => n + s.reconnects, 0),
      requests: { sent: requests.sent, failed: requests.failed.length, failedOutsideKills: outside.length },
      errors: { subscriptionFailuresOnKilledConnections: subscriptionErrors.length, requestFailuresOnKilledConnections: requests.failed.length - outside.length, outside: outside.length },
      faults: windows.map((w) => w.what).concat(["worker SIGTERM (drain)", "worker kill -9"]),
      apiRssKiB: { idle: rssBefore, [`with${SUBSCRIBERS}Subscribers`]: rssWith },
      pgConnections: connections,
      healthPath: HEALTH_PATH, imageWorker: IMAGE_WORKER,
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (process.env.KINEMA_CLUSTER_DEBUG === "1") {
      process.stdout.write(`drained ${JSON.stringify(drainedRow.metadata)}\nkilled ${JSON.stringify((await job(killed.id)).metadata)}\n`);
      for (const w of imageWorkers) await writeFile("/tmp/image-worker.log", await w.logs());
    }
    // Requests and subscriptions failed only while connections were being killed: from the kill to a few
    // seconds after (HAProxy's 3 x 500 ms checks; pools replacing their dead connections).
    const when = (at: number) => `${((at - started) / 1000).toFixed(1)} s`;
    expect(outside.map((f) => `${when(f.at)} ${f.error.slice(0, 120)}`), `faults at ${windows.map((w) => `${w.what} ${when(w.from)}-${when(w.to)}`).join(", ")}`).toEqual([]);
    expect(subscriptionErrors.filter((e) => !onKilled(e.at))).toEqual([]);
    // Steps recomputed, from the progress events of every lease.
    expect(recomputed.get(drained.id) ?? 0, `drained job (stopped at ${drained.steps}+, resumed from ${drainedRow.metadata.denoise?.resumedFromStep})`).toBeLessThanOrEqual(MAX_RECOMPUTED_DRAINED);
    expect(recomputed.get(killed.id) ?? 0, `killed job (at step ${killedAt.steps_completed})`).toBeLessThanOrEqual(MAX_RECOMPUTED_KILLED);
  }, 600_000);
});
