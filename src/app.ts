// The composition root: opens the database (a PostgreSQL server, or embedded PGlite), applies
// migrations, and starts the API and/or a worker with the right event bus. main() files call this.
import type { Config } from "./config/config.js";
import { AccountService } from "./accounts/accounts.js";
import { ApiKeyService } from "./accounts/api-keys.js";
import { KeyAuthenticator } from "./accounts/authenticator.js";
import { KeyUsageRecorder } from "./accounts/key-usage.js";
import { startApiServer, type ApiServer } from "./api/server.js";
import { ProgressHub } from "./api/progress.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./db/embedded.js";
import { migrate } from "./db/migrate.js";
import pg from "pg";
import { createPool, type Pool } from "./db/pool.js";
import { createPrisma, type Prisma } from "./db/prisma.js";
import type { EventBus } from "./events/bus.js";
import { MemoryEventBus } from "./events/memory.js";
import { PgEventBus } from "./events/pg.js";
import { JobService } from "./jobs/service.js";
import { SafetyRuleService } from "./safety/prefilter/admin.js";
import { PrefilterService } from "./safety/prefilter/service.js";
import { SchedulerConfigStore } from "./scheduler/store.js";
import { UsageLimitsStore } from "./limits/store.js";
import { UsageService } from "./limits/usage.js";
import type { Logger } from "./log.js";
import { JobQueue } from "./queue/queue.js";
import type { Stage } from "../workers/pipeline.js";
import type { StageDeps } from "../workers/stages/index.js";
import { ModelCache } from "./engine/models.js";
import { createStore } from "./storage/setup.js";
import type { ObjectStore } from "./storage/store.js";
import { UrlSigner } from "./storage/signed-urls.js";
import { ensureSetting } from "./db/settings.js";
import { createSigning } from "./provenance/setup.js";
import { createPostfilterSafety, loadConfiguredBank } from "./safety/setup.js";
import { SafetySwitchStore } from "./safety/switches/service.js";
import { SwitchedPromptFilter } from "./safety/switches/prompt-filter.js";
import { Rescanner, type TakeDown } from "./safety/rescan/rescanner.js";
import { DatabaseHashBank } from "./safety/banks/index.js";
import { randomBytes } from "node:crypto";
import { Worker } from "../workers/worker.js";
import { startHousekeeping } from "../workers/housekeeping.js";
import type { JobOutcome } from "../workers/runner.js";
import { AlarmEvaluator } from "./ops/alarms.js";
import { createStaffServices } from "./staff/setup.js";
import { DEFAULT_MITIGATION_POLICY, PlusWeightMitigation } from "./ops/mitigation.js";
import { LeaderElection } from "./ops/leader.js";
import { LeaseSweeper } from "./ops/lease-sweeper.js";
import { attachRegenerationSource } from "./ops/regeneration-gauge.js";
import { createWebhooks } from "./webhooks/setup.js";
import { RemovalService } from "./removal/service.js";
import { AccountDeleter } from "./removal/accounts.js";
import { RetentionSettings } from "./removal/retention.js";
import { startProcessHelper } from "./processes/run.js";

export interface KinemaOptions {
  config: Config;
  log: Logger;
  api: boolean;
  /** number of workers to run in this process (embedded mode: 1 by default) */
  workers: number;
  /** the pipeline, or a function that builds it from the process's model cache and object store */
  stages: readonly Stage[] | ((deps: StageDeps) => Stage[] | Promise<Stage[]>);
  onJobDone?: (jobId: string, outcome: JobOutcome) => void;
  /** The takedown the rolling re-scan calls on a hit; by default src/removal's (`rescanTakeDown` below). */
  takeDown?: TakeDown;
}

export interface Kinema {
  databaseUrl: string;
  embedded: boolean;
  api: ApiServer | null;
  workers: Worker[];
  accounts: AccountService;
  jobs: JobService;
  /** the safety pre-filter every submission goes through (its rule set polls for changes with an API) */
  prefilter: PrefilterService;
  /** the scheduler's settings: weights, burst caps, admission control (update() changes them everywhere) */
  scheduler: SchedulerConfigStore;
  /** every tier's rate limits and quotas (update() changes them everywhere within one poll) */
  limits: UsageLimitsStore;
  /** the trust-and-safety kill switches (update() changes them everywhere within 5 s) */
  switches: SafetySwitchStore;
  pool: Pool;
  prisma: Prisma;
  bus: EventBus;
  store: ObjectStore;
  /** the API's live-progress hub (null without an API) */
  progress: ProgressHub | null;
  /** the API's record of key use, written once a minute (null without an API) */
  keyUsage: KeyUsageRecorder | null;
  stop(): Promise<void>;
}

export async function startKinema(options: KinemaOptions): Promise<Kinema> {
  const { config, log } = options;
  let embedded: EmbeddedDatabase | null = null;
  if (!config.databaseUrl) embedded = await startEmbeddedDatabase(config.dataDir);
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  // Session state (LISTEN, advisory locks held across statements) lives on direct connections; the rest
  // may go through a transaction-mode pooler (docs/DEPLOY.md).
  const directUrl = config.databaseDirectUrl ?? databaseUrl;
  const pooled = !embedded && config.pooler === "pgbouncer";
  // Named statements are off through a pooler, and in embedded mode: PGlite's connections share one
  // session, where a second connection preparing a name the first already prepared is an error.
  const pool = createPool(databaseUrl, embedded ? 4 : config.poolSize, { preparedStatements: !embedded && !pooled });
  // Prisma's pg adapter sends unnamed statements only, so it goes through the pooler as it is.
  const prisma = createPrisma(databaseUrl, embedded ? 2 : config.poolSize);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await migrateOnSession(pooled ? directUrl : null, pool, log);
    const bus: EventBus = embedded ? new MemoryEventBus() : await PgEventBus.connect(directUrl, pool, { steps: options.api });
    const accounts = new AccountService(prisma);
    // Only API processes take submissions, so only they keep polling for rule changes.
    const prefilter = await PrefilterService.start(pool,
      { pollMs: options.api ? config.safety.rulePollMs : 0, publicFiguresFile: config.safety.publicFiguresFile ?? undefined }, log.child({ component: "prefilter" }));
    closers.push(() => prefilter.stop());
    // The claim reads the scheduler's settings in its own statement; API processes keep a polled copy
    // (admission control, the admin API). Workers-only processes load it once, for update() callers.
    const scheduler = await SchedulerConfigStore.start(pool,
      { pollMs: options.api ? config.scheduler.pollMs : 0 }, log.child({ component: "scheduler" }));
    closers.push(() => scheduler.stop());
    // Rate limits and quotas: polled like the scheduler's settings (only API processes take submissions).
    const limits = await UsageLimitsStore.start(pool, { pollMs: options.api ? config.scheduler.pollMs : 0 }, log.child({ component: "limits" }));
    closers.push(() => limits.stop());
    // Every process polls the kill switches: the API refuses and holds, workers tighten and record holds.
    const switches = await SafetySwitchStore.start(pool, { pollMs: config.safety.rulePollMs }, log.child({ component: "safety-switches" }));
    closers.push(() => switches.stop());
    const jobs = new JobService(prisma, pool, bus, config, new SwitchedPromptFilter(prefilter, switches), scheduler, limits);
    const queueLog = log.child({ component: "queue" });
    const queue = new JobQueue(pool, bus, config.queue,
      (err, lost) => queueLog.warn({ err, lost }, "step events could not be published; subscribers catch up from the row"));

    const store = createStore(config);
    const retention = new RetentionSettings(pool, config.retention);
    const models = new ModelCache(config.engine);
    closers.push(() => models.release());
    // Before any model loads: a process that denoises spawns ffmpeg and openssl through a small helper
    // forked now, not per job itself (src/processes/run.ts: each fork costs the next denoising step).
    if (options.workers > 0) {
      const helperLog = log.child({ component: "process-helper" });
      const pid = startProcessHelper((gone, why) => helperLog.warn({ pid: gone, why }, "the process helper went; the next child process starts a new one"));
      helperLog.info({ pid }, "child processes are spawned by the process helper");
    }

    let api: ApiServer | null = null;
    let progress: ProgressHub | null = null;
    let keyUsage: KeyUsageRecorder | null = null;
    if (options.api) {
      progress = new ProgressHub(bus, jobs, pool);
      const secret = config.delivery.signingSecret ?? await ensureSetting(pool, "url_signing_secret", () => randomBytes(32).toString("base64url"));
      const signer = new UrlSigner(Buffer.from(secret, "base64url"), config.delivery.urlTtlSeconds);
      const safety = new SafetyRuleService(pool, prefilter);
      const alarms = new AlarmEvaluator(pool, config.alarms, log.child({ component: "alarms" }));
      const usage = keyUsage = new KeyUsageRecorder(pool, config.auth.usageFlushMs, log.child({ component: "keys" }));
      usage.start();
      closers.push(() => usage.stop());
      const auth = new KeyAuthenticator(pool, usage, config.auth.cacheMs);
      const keys = new ApiKeyService(prisma);
      const staff = createStaffServices(pool, bus, keys, auth, config.regenerationWindowMinutes);
      // kinema_regeneration_rate is computed on scrape (cached a minute) by every API process.
      closers.push(attachRegenerationSource(() => staff.regeneration.lastDay()));
      // Every API process sends webhooks (claims with SKIP LOCKED; src/webhooks/sender.ts says why no election).
      const webhooks = await createWebhooks(pool, config.webhooks, bus,
        async (key) => (store.presign ? store.presign(key, config.delivery.urlTtlSeconds) : signer.sign(key)), log.child({ component: "webhooks" }));
      const removal = new RemovalService(pool, store, bus, log.child({ component: "removal" }));
      api = await startApiServer({
        accounts, keys, auth, staff, keyUsage: usage, jobs, sql: pool, progress, config, store, signer, safety, alarms, scheduler, switches,
        webhooks: webhooks.service,
        removal, accountDeletion: new AccountDeleter(pool, bus, removal, staff.listeners), retention,
        limits, usage: new UsageService(pool, limits, config.gpuHourlyCost),
      }, log.child({ component: "api" }));
      webhooks.sender.start();
      closers.push(() => webhooks.sender.stop());
      signer.baseUrl = config.delivery.publicUrl?.replace(/\/$/, "") ?? new URL(api.url).origin;
      closers.push(async () => { await api!.close(); progress!.close(); });
      // The runbook's auto-mitigation: raise the PLUS weight while PLUS waits too long, revert when healthy.
      // Once per fleet: only the elected process evaluates alarms in the background and drives it; the
      // others evaluate alarms on request (Query.alarms) and change nothing. Each term starts a controller
      // of its own, which adopts a raise a previous leader left (its cooldown and its revert).
      const baseWeight = scheduler.current.plusWeight;
      let mitigation: PlusWeightMitigation | null = null;
      alarms.onEvaluated = async (readings) => { await mitigation?.evaluate(readings.plusQueueWaitP95Seconds); };
      closers.push(runOncePerFleet(embedded ? null : "alarms", config, directUrl, log, {
        start: async () => {
          await scheduler.refresh().catch(() => false);
          const stored = scheduler.current;
          mitigation = new PlusWeightMitigation({
            getPlusWeight: async () => scheduler.current.plusWeight,
            setPlusWeight: async (weight, reason) => { await scheduler.update({ plusWeight: weight }, { reason, actor: "auto-mitigation" }); },
          }, { ...DEFAULT_MITIGATION_POLICY, ...config.mitigation, baseWeight: Math.min(baseWeight, stored.plusWeight) }, log.child({ component: "mitigation" }));
          if (stored.updatedBy === "auto-mitigation" && !stored.reason?.includes("weight back")) mitigation.adoptStoredRaise(stored.plusWeight, stored.updatedAt.getTime());
          alarms.start();
        },
        stop: async () => { await alarms.stop(); mitigation = null; },
      }));
    }
    // Every process takes part in the sweeper's election, so a deployment of workers alone still sweeps.
    const sweeper = new LeaseSweeper(queue, store, config.queue.sweepMs, log.child({ component: "sweeper" }));
    closers.push(runOncePerFleet(embedded ? null : "lease-sweeper", config, directUrl, log, { start: () => sweeper.start(), stop: () => sweeper.stop() }));
    let stages: readonly Stage[] = [];
    if (typeof options.stages !== "function") stages = options.stages;
    else if (options.workers > 0) {
      const signing = await createSigning(config, log);
      closers.push(async () => { await signing.signer.close?.(); });
      // The bank the workers match: the database's entries (reloaded when they change) plus the configured file.
      const safety = await createPostfilterSafety(config, log, switches);
      const bank = await DatabaseHashBank.open(pool, { pollMs: config.safety.rulePollMs, base: safety.bank }, log.child({ component: "hash-bank" }));
      closers.push(async () => bank.stop());
      stages = await options.stages({ models, store, engine: config.engine, signing, safety: { ...safety, bank } });
    }
    // The rolling re-scan of delivered clips: once per fleet, every process takes part in the election.
    if (config.rescan.intervalMs > 0) {
      let rescanner: Rescanner | null = null;
      closers.push(runOncePerFleet(embedded ? null : "rescan", config, directUrl, log, {
        start: async () => {
          const rescanLog = log.child({ component: "rescan" });
          const safety = await createPostfilterSafety(config, rescanLog, switches);
          rescanner ??= new Rescanner({
            sql: pool, store, classifiers: safety.classifiers, nciiThreshold: safety.nciiThreshold,
            // each run matches the bank as it is now: the database's entries plus the configured file, re-read
            bank: async () => DatabaseHashBank.open(pool, { pollMs: 0, base: await loadConfiguredBank(config, rescanLog) }, rescanLog),
            switches, takeDown: options.takeDown ?? rescanTakeDown(pool, store, bus, rescanLog), log: rescanLog,
          }, { rate: config.rescan.rate, everyMs: config.rescan.intervalMs });
          rescanner.start();
        },
        stop: async () => { await rescanner?.stop(); },
      }));
    }
    const workers = Array.from({ length: options.workers }, (_, i) => new Worker({
      id: options.workers > 1 ? `${config.workerId}-${i}` : config.workerId,
      sql: pool, queue, bus, stages, store, config: config.queue,
      log: log.child({ component: "worker" }), onJobDone: options.onJobDone,
    }));
    for (const worker of workers) worker.start();
    // Counter reconciliation and the orphan sweep: once per fleet, like the sweeper (idempotent, so a
    // handover's brief overlap is harmless), and every process takes part in the election.
    let stopHousekeeping: (() => Promise<void>) | null = null;
    closers.push(runOncePerFleet(embedded ? null : "housekeeping", config, directUrl, log, {
      start: () => {
        stopHousekeeping ??= startHousekeeping({
          pool, store, everyMs: config.queue.housekeepingMs ?? 0, log: log.child({ component: "housekeeping" }),
          removal: { service: new RemovalService(pool, store, bus, log.child({ component: "removal" })), retention },
        });
      },
      stop: async () => { const stop = stopHousekeeping; stopHousekeeping = null; await stop?.(); },
    }));

    return {
      databaseUrl, embedded: embedded !== null, api, workers, accounts, jobs, prefilter, scheduler, limits, switches, pool, prisma, bus, store, progress, keyUsage,
      async stop() {
        // Every step runs even when one fails: a skipped pool.end() would leave connections that die
        // later (a dropped database, a restarted server) with nobody listening for their errors.
        const failures: unknown[] = [];
        const attempt = async (step: () => Promise<unknown>) => { try { await step(); } catch (error) { failures.push(error); } };
        await attempt(() => Promise.all(workers.map((w) => w.stop())));
        for (const close of closers.reverse()) await attempt(close);
        await attempt(() => bus.close());
        await attempt(() => prisma.$disconnect());
        await attempt(() => pool.end());
        await attempt(async () => embedded?.close());
        if (failures.length > 0) throw failures[0];
      },
    };
  } catch (error) {
    await prisma.$disconnect().catch(() => {});
    await pool.end().catch(() => {});
    await embedded?.close().catch(() => {});
    throw error;
  }
}

/** The re-scan's hits go through the staff takedown's own service (src/removal): one path, one audit trail. */
function rescanTakeDown(pool: Pool, store: ObjectStore, bus: EventBus, log: Logger): TakeDown {
  const removal = new RemovalService(pool, store, bus, log);
  return async (input) => {
    const result = await removal.takeDown(input);
    if (result.userErrors.length) throw new Error(`takedown refused: ${result.userErrors.map((e) => e.code).join(", ")}`);
    return result;
  };
}

/** Applies migrations under their advisory lock: on a direct session when the pool goes through a pooler. */
async function migrateOnSession(directUrl: string | null, pool: Pool, log: Logger): Promise<void> {
  const direct = directUrl ? new pg.Client({ connectionString: directUrl }) : null;
  if (direct) await direct.connect();
  const client = direct ?? (await pool.connect());
  try {
    const applied = await migrate(client);
    if (applied.length) log.info({ applied }, "applied migrations");
  } finally {
    if (direct) await direct.end();
    else (client as pg.PoolClient).release();
  }
}

/**
 * Runs a duty under a leader election named `duty` (src/ops/leader.ts); with no name (embedded mode: one
 * process) it simply runs. Returns the closer that stops it (handing the lead over).
 */
function runOncePerFleet(duty: string | null, config: Config, directUrl: string, log: Logger,
  run: { start: () => void | Promise<void>; stop: () => Promise<void> }): () => Promise<void> {
  if (!duty) {
    void (async () => run.start())().catch((error) => log.error({ err: error }, "background duty failed to start"));
    return run.stop;
  }
  const election = new LeaderElection({ connectionString: directUrl, duty, retryMs: config.leader.retryMs, log: log.child({ component: "leader" }) });
  election.onElected = run.start;
  election.onDeposed = run.stop;
  election.start();
  return () => election.stop();
}
