// The one validated configuration. Parsed in main(), never at import time; every problem is reported
// at once. Each variable is documented in the README's Configuration table.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { DEFAULT_STEP_EVENT_INTERVAL_MS } from "../events/batcher.js";

export { ConfigError };

export const RESOLUTIONS = ["R480P", "R720P", "R1080P"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** The run-ahead's defaults (workers/local-queue.ts): KINEMA_CLAIM_PREFETCH, KINEMA_PREFETCH_BELOW_MS. */
export const DEFAULT_CLAIM_PREFETCH = 32;
export const DEFAULT_PREFETCH_BELOW_MS = 50;

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const resolution = (fallback: Resolution) => z.enum(RESOLUTIONS).default(fallback);

const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  // A connection straight to PostgreSQL, never through a transaction-mode pooler: LISTEN, the migration
  // lock and leader election hold session state (docs/DEPLOY.md). Default: DATABASE_URL.
  DATABASE_DIRECT_URL: z.string().url().optional(),
  KINEMA_DB_POOLER: z.enum(["none", "pgbouncer"]).default("none"),
  // How often a process that is not the leader of a fleet duty tries to become it: the failover bound.
  KINEMA_LEADER_RETRY_MS: int(100, 60_000, 2_000),
  PORT: int(0, 65535, 4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  KINEMA_DATA_DIR: z.string().min(1).default(".kinema"),
  KINEMA_EMBEDDED_WORKER: z.enum(["true", "false"]).default("true"),
  KINEMA_WORKER_ID: z.string().min(1).optional(),
  KINEMA_LEASE_MS: int(1_000, 3_600_000, 30_000),
  KINEMA_HEARTBEAT_MS: int(100, 600_000, 10_000),
  KINEMA_PROGRESS_ROW_MS: int(0, 600_000, 5_000),
  KINEMA_STEP_GATHER_MS: int(0, 1_000, 0),
  // A process publishes step events at most once per this many ms (src/events/batcher.ts); 0: every step.
  KINEMA_STEP_EVENT_INTERVAL_MS: int(0, 1_000, DEFAULT_STEP_EVENT_INTERVAL_MS),
  KINEMA_POLL_MS: int(50, 60_000, 2_000),
  // A worker whose jobs run shorter than KINEMA_PREFETCH_BELOW_MS claims up to this many more to run next,
  // about that many ms of work (workers/local-queue.ts); 0 turns it off. GPU jobs (seconds) never qualify.
  KINEMA_CLAIM_PREFETCH: int(0, 64, DEFAULT_CLAIM_PREFETCH),
  KINEMA_PREFETCH_BELOW_MS: int(1, 10_000, DEFAULT_PREFETCH_BELOW_MS),
  KINEMA_SWEEP_MS: int(100, 600_000, 5_000),
  // counter reconciliation and the orphan sweep (workers/housekeeping.ts); 0 turns them off
  KINEMA_HOUSEKEEPING_MS: int(0, 86_400_000, 60_000),
  KINEMA_MAX_ATTEMPTS: int(1, 100, 3),
  // At most 4 s, so a rule change is in force everywhere within the runbook's 5 s.
  KINEMA_SAFETY_POLL_MS: int(100, 4_000, 1_000),
  // The same bound for the scheduler's settings (weights, burst caps, admission control).
  KINEMA_SCHEDULER_POLL_MS: int(100, 4_000, 1_000),
  // Dollars per GPU-hour: each job's costDollars and me.usage's cost (src/jobs/gpu-time.ts).
  KINEMA_GPU_HOURLY_COST: z.coerce.number().min(0).max(10_000).default(3.5),
  KINEMA_RETRY_BASE_MS: int(0, 3_600_000, 2_000),
  KINEMA_RETRY_MAX_MS: int(0, 86_400_000, 120_000),
  KINEMA_FPS: int(1, 120, 24),
  KINEMA_FREE_MAX_RESOLUTION: resolution("R480P"),
  KINEMA_FREE_STEPS: int(1, 1000, 30),
  KINEMA_PLUS_MAX_RESOLUTION: resolution("R1080P"),
  KINEMA_PLUS_STEPS: int(1, 1000, 50),
  KINEMA_MAX_QUERY_DEPTH: int(2, 100, 10),
  KINEMA_MAX_QUERY_COST: int(10, 1_000_000, 5_000),
  KINEMA_MAX_BODY_BYTES: int(1_024, 10_000_000, 100_000),
  KINEMA_MAX_QUERY_TOKENS: int(100, 1_000_000, 2_000),
  KINEMA_MAX_QUERY_FIELDS: int(10, 100_000, 500),
  KINEMA_MAX_ALIASES: int(0, 10_000, 30),
  KINEMA_MAX_MUTATIONS: int(1, 1_000, 5),
  // Introspection operations per account and API process: a full schema download costs ~7 ms of CPU
  // and ~100 KB; tools ask once per start (the IDE, codegen), so 10 at once and 6 a minute more.
  KINEMA_INTROSPECTION_BURST: int(1, 100_000, 10),
  KINEMA_INTROSPECTION_PER_MINUTE: int(1, 1_000_000, 6),
  KINEMA_DB_POOL_SIZE: int(1, 100, 10),
  // At most 10 s: the bound on how long a revocation, tier or role change by another process takes to
  // reach requests and open sockets of this one.
  KINEMA_AUTH_CACHE_MS: int(100, 10_000, 2_000),
  KINEMA_KEY_USAGE_FLUSH_MS: int(1_000, 3_600_000, 60_000),
  KINEMA_WS_MAX_PER_ACCOUNT: int(1, 10_000, 16),
  KINEMA_WS_MAX_PER_ADDRESS: int(1, 100_000, 64),
  KINEMA_WS_MAX_SUBSCRIPTIONS: int(1, 1_000, 25),
  KINEMA_WS_IDLE_TIMEOUT_MS: int(100, 86_400_000, 60_000),
  KINEMA_WS_INIT_TIMEOUT_MS: int(100, 60_000, 3_000),
  // Operations an account starts over its sockets (per API process): each subscription start reads
  // its job; 50 at once (a dashboard opening), then 10 a second.
  KINEMA_WS_OPERATION_BURST: int(1, 1_000_000, 50),
  KINEMA_WS_OPERATIONS_PER_SECOND: z.coerce.number().min(0.01).max(1_000_000).default(10),
  KINEMA_STAGES_MODULE: z.string().min(1).optional(),
  KINEMA_MODEL_DIR: z.string().min(1).default("models/kinema-shapes"),
  KINEMA_EXECUTION_PROVIDER: z.enum(["cpu", "webgpu", "cuda"]).default("cpu"),
  KINEMA_ENGINE_PROFILE: z.enum(["cpu", "full"]).default("cpu"),
  KINEMA_SAMPLER: z.enum(["flow-euler", "ddim"]).optional(),
  KINEMA_GUIDANCE: z.coerce.number().min(0).max(50).optional(),
  KINEMA_CHECKPOINT_EVERY: int(1, 1000, 10),
  KINEMA_PREVIEW_EVERY: int(1, 1000, 5),
  // ... but at most one preview per this many ms (the last step's always); 0: every KINEMA_PREVIEW_EVERY
  KINEMA_PREVIEW_MIN_MS: int(0, 600_000, 0),
  KINEMA_ORT_THREADS: int(0, 256, 0),
  KINEMA_URL_TTL_SECONDS: int(10, 604_800, 3_600),
  // How long a delivered clip (and its variants) is kept after the job finished, per tier; 0 keeps it
  // until deleted. Read by the removal sweeper every KINEMA_HOUSEKEEPING_MS (src/removal).
  KINEMA_RETENTION_FREE_DAYS: z.coerce.number().min(0).max(3650).default(7),
  KINEMA_RETENTION_PLUS_DAYS: z.coerce.number().min(0).max(3650).default(30),
  // The key of signed URLs, shared by every API replica (a Kubernetes Secret). Unset: one is generated
  // once into the database (settings.url_signing_secret) and every replica reads it from there.
  KINEMA_URL_SIGNING_SECRET: z.string().regex(/^[A-Za-z0-9_-]{43,}$/, "at least 32 random bytes, base64url-encoded (e.g. `openssl rand 32 | basenc --base64url`)").optional(),
  KINEMA_PUBLIC_URL: z.string().url().optional(),
  // Webhooks (src/webhooks/). The key that seals endpoint secrets at rest: with it set, a database read
  // alone does not give the secrets away. Unset: a key is generated into settings (sealed, not secret).
  KINEMA_WEBHOOK_SECRET_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url-encoded (e.g. `openssl rand 32 | basenc --base64url`)").optional(),
  // CIDRs a webhook may reach although they are private, loopback or link-local (tests: 127.0.0.1/32).
  KINEMA_WEBHOOK_ALLOWED_CIDRS: z.string().optional(),
  KINEMA_WEBHOOK_TIMEOUT_MS: int(100, 60_000, 10_000),
  KINEMA_WEBHOOK_CONCURRENCY: int(1, 256, 64),
  KINEMA_WEBHOOK_POLL_MS: int(10, 60_000, 1_000),
  KINEMA_WEBHOOK_RETRY_BASE_MS: int(1, 3_600_000, 5_000),
  KINEMA_WEBHOOK_RETRY_MAX_MS: int(1, 86_400_000, 7_200_000),
  KINEMA_WEBHOOK_RETRY_WINDOW_MS: int(1, 7 * 86_400_000, 86_400_000),
  KINEMA_WEBHOOK_PROGRESS_INTERVAL_MS: int(0, 3_600_000, 5_000),
  KINEMA_STORE: z.enum(["disk", "s3"]).default("disk"),
  KINEMA_S3_ENDPOINT: z.string().url().optional(),
  KINEMA_S3_BUCKET: z.string().min(3).max(63).optional(),
  KINEMA_S3_REGION: z.string().min(1).default("us-east-1"),
  KINEMA_S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).default("false"),
  KINEMA_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  KINEMA_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  KINEMA_S3_PREFIX: z.string().optional(),
  KINEMA_C2PA_CERT_CHAIN: z.string().min(1).optional(),
  KINEMA_C2PA_PRIVATE_KEY: z.string().min(1).optional(),
  KINEMA_C2PA_TRUST_ANCHORS: z.string().min(1).optional(),
  KINEMA_C2PA_SIGNER_MODULE: z.string().min(1).optional(),
  KINEMA_HASH_BANK: z.string().min(1).optional(),
  KINEMA_LIKENESS_GALLERY: z.string().min(1).optional(),
  KINEMA_PUBLIC_FIGURES_FILE: z.string().min(1).optional(),
  KINEMA_LIKENESS_THRESHOLD: z.coerce.number().min(0).max(2).default(0.5),
  KINEMA_METRICS_PORT: int(0, 65535, 9464),
  KINEMA_API_METRICS_PORT: int(0, 65535, 9465),
  // The regeneration rate's window: a near-identical prompt submitted a third time within it counts.
  KINEMA_REGENERATION_WINDOW_MINUTES: int(1, 1_440, 10),
  KINEMA_SLO_QUEUE_WAIT_P50_S: z.coerce.number().positive().default(15),
  KINEMA_SLO_E2E_P95_PLUS_S: z.coerce.number().positive().default(120),
  KINEMA_SLO_E2E_P95_FREE_S: z.coerce.number().positive().default(300),
  KINEMA_ALARM_INTERVAL_MS: int(0, 3_600_000, 15_000),
  KINEMA_ALARM_WINDOW_S: int(60, 86_400, 300),
  KINEMA_MITIGATION_COOLDOWN_MS: int(100, 3_600_000, 60_000),
  KINEMA_MITIGATION_HEALTHY_MS: int(100, 86_400_000, 120_000),
  // The NCII co-occurrence gate: a sampled frame with a face and an intimacy score at or above this blocks.
  KINEMA_NCII_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  // The rolling re-scan (src/safety/rescan): the share of the last 24 hours' clips re-scanned each day,
  // and how often the elected process runs it (0: never; each clip is re-scanned at most once a day).
  KINEMA_RESCAN_RATE: z.coerce.number().min(0).max(1).default(0.1),
  KINEMA_RESCAN_INTERVAL_MS: int(0, 86_400_000, 3_600_000),
  KINEMA_NSFW_THRESHOLDS: z.string().optional().transform((raw, ctx) => {
    if (!raw) return {};
    try {
      const parsed = JSON.parse(raw) as unknown;
      const entries = Object.entries(parsed as Record<string, unknown>);
      if (typeof parsed === "object" && parsed && entries.every(([k, v]) => ["Porn", "Hentai", "Sexy"].includes(k) && typeof v === "number" && v >= 0)) {
        return parsed as Record<string, number>;
      }
    } catch { /* reported below */ }
    ctx.addIssue({ code: "custom", message: 'a JSON object of class thresholds, e.g. {"Porn":0.7,"Hentai":0.7,"Sexy":0.9}' });
    return {};
  }),
});

export type Tier = "FREE" | "PLUS";
export interface TierLimits { maxResolution: Resolution; stepBudget: number; minDurationSeconds: number; maxDurationSeconds: number }

export interface Config {
  databaseUrl?: string;
  /** session connections (LISTEN, advisory locks): DATABASE_DIRECT_URL, else databaseUrl */
  databaseDirectUrl?: string;
  /** "pgbouncer": DATABASE_URL goes through a transaction-mode pooler, so no named prepared statements */
  pooler: "none" | "pgbouncer";
  /** elected once-per-fleet duties (src/ops/leader.ts): a follower tries for the lock this often */
  leader: { retryMs: number };
  port: number;
  host: string;
  dataDir: string;
  embeddedWorker: boolean;
  workerId: string;
  poolSize: number;
  /** a module exporting `stages(): Stage[]` to run instead of the production pipeline */
  stagesModule?: string;
  queue: {
    leaseMs: number; heartbeatMs: number; pollMs: number; sweepMs: number;
    /** a running job's row takes its step count at most this often (its step events go out every step); 0: every step */
    progressRowMs?: number;
    /** a step event waits up to this long for the process's other step events to share its NOTIFY transaction; 0: none */
    stepGatherMs?: number;
    /** a process publishes step events at most once per this many ms (the first after a quiet interval at once); 0: every step */
    stepEventIntervalMs?: number;
    /** counter reconciliation and the orphan sweep, every this many ms (0: off) */
    housekeepingMs?: number;
    /** jobs a worker may claim ahead while its jobs run shorter than prefetchBelowMs (0 or absent: one at a time) */
    claimPrefetch?: number;
    prefetchBelowMs?: number;
    maxAttempts: number; retryBaseMs: number; retryMaxMs: number;
  };
  video: { fps: number };
  tiers: Record<Tier, TierLimits>;
  /** per-operation limits (src/api/limits.ts) and the request size */
  limits: {
    maxDepth: number; maxCost: number; maxTokens: number; maxFields: number; maxAliases: number; maxMutations: number;
    maxBodyBytes: number;
    /** introspection operations per account (a token bucket per API process) */
    introspection: { burst: number; perSecond: number };
  };
  auth: {
    /** how long an API process trusts what it read about a key (revocation, account tier and role) */
    cacheMs: number;
    /** how often an API process writes the keys' last-use times it noted in memory */
    usageFlushMs: number;
  };
  /** WebSocket (graphql-ws) limits of each API process */
  sockets: {
    maxPerAccount: number;
    /** sockets from one remote address (the TCP peer: behind a proxy, the proxy's address) */
    maxPerAddress: number;
    /** operations (subscriptions, and queries or mutations in flight) one socket may hold */
    maxSubscriptions: number;
    /** a socket with no operation in flight and none started for this long is closed (4410) */
    idleTimeoutMs: number;
    /** a socket that has not sent connection_init within this is closed (4408, graphql-ws) */
    initTimeoutMs: number;
    /** operations (subscribe messages) an account starts over its sockets (a token bucket per API process) */
    operations: { burst: number; perSecond: number };
  };
  engine: {
    modelDir: string;
    provider: "cpu" | "webgpu" | "cuda";
    profile: "cpu" | "full";
    /** null: the model's default */
    sampler: "flow-euler" | "ddim" | null;
    guidance: number | null;
    checkpointEvery: number;
    previewEvery: number;
    /** at most one preview per this many ms, the last step's aside (absent: no floor) */
    previewMinMs?: number;
    /** 0: onnxruntime's default (it counts physical cores itself; one thread on some VMs: docs/DEPLOY.md) */
    threads: number;
  };
  delivery: { urlTtlSeconds: number; publicUrl: string | null; signingSecret: string | null };
  /** webhook sending (src/webhooks/): see the README's Configuration table and docs/ARCHITECTURE.md */
  webhooks: {
    secretKey: string | null;
    /** private, loopback or link-local ranges a webhook may reach anyway (CIDR strings) */
    allowedCidrs: string[];
    timeoutMs: number; concurrency: number; pollMs: number;
    /** retry n waits min(maxMs, baseMs x 2^(n-1)), jittered +-20%, until windowMs after the event */
    retryBaseMs: number; retryMaxMs: number; retryWindowMs: number;
    /** at most one job.progress per target per this many ms */
    progressIntervalMs: number;
  };
  /** seconds a delivered clip is kept after its job finished, per tier; 0: until deleted */
  retention: Record<Tier, number>;
  storage:
    | { kind: "disk" }
    | { kind: "s3"; endpoint?: string; bucket: string; region: string; forcePathStyle: boolean; accessKeyId?: string; secretAccessKey?: string; prefix?: string };
  scheduler: {
    /**
     * how often each API process checks the scheduler config's version (applies changes within 5 s). The
     * settings themselves live in PostgreSQL (scheduler_config; defaults PLUS weight 2, FREE 1, burst caps
     * FREE 3 / PLUS 10, FREE queue-wait target 15 s), changed with `updateSchedulerConfig`.
     */
    pollMs: number;
  };
  safety: {
    /** how often each API process checks the pre-filter's rule-set version (applies changes within 5 s) */
    rulePollMs: number;
    /** file of `hexhash,label` lines (PDQ); null: none (workers match only the database's entries; a warning is logged) */
    hashBank: string | null;
    /** JSON lines of reference face descriptors; null: the shipped (empty) gallery */
    likenessGallery: string | null;
    /** the pre-filter's public-figure list (one name a line); null: the shipped list. Re-read when it changes */
    publicFiguresFile: string | null;
    likenessThreshold: number;
    /** per-class NSFW thresholds overriding the defaults (Porn 0.7, Hentai 0.7, Sexy 0.9) */
    nsfwThresholds: Record<string, number>;
    /** the NCII co-occurrence gate's intimacy threshold (default 0.5, below the plain NSFW block) */
    nciiThreshold: number;
  };
  /** the rolling re-scan of delivered clips (elected, once per fleet) */
  rescan: { rate: number; intervalMs: number };
  /** the port of a worker process's Prometheus /metrics server (0: any free port) */
  metricsPort: number;
  /** the port of an API process's /metrics server (`npm start`), never the public API port (0: any free port) */
  apiMetricsPort: number;
  /** the regeneration rate's window (src/staff/regeneration.ts) */
  regenerationWindowMinutes: number;
  /** service-level objectives, in seconds (Query.sloReport) */
  slo: { queueWaitP50Seconds: number; endToEndP95Seconds: Record<Tier, number> };
  /** the GPU price per hour that turns a job's GPU-seconds into costDollars (default $3.50) */
  gpuHourlyCost: number;
  /** the alarm evaluator of each API process (Query.alarms); intervalMs 0 turns it off */
  alarms: { intervalMs: number; windowSeconds: number };
  /** the PLUS-weight auto-mitigation driven by the alarm evaluation (src/ops/mitigation.ts) */
  mitigation: {
    /** at least this long between two raises */
    cooldownMs: number;
    /** healthy this long before a raise is reverted */
    healthyForMs: number;
  };
  provenance: {
    /** PEM files; when both are unset a development chain is made under the data directory */
    certChain: string | null;
    privateKey: string | null;
    /** PEM of the roots a delivered file must chain to; null: "Valid" with only an untrusted signer passes */
    trustAnchors: string | null;
    /** a module exporting `sign(bytes: Buffer): Promise<Buffer>` (a remote key service) used instead of the key file */
    signerModule: string | null;
  };
}

type Env = z.output<typeof schema>;

/** One variable on its own: its parsed value, or undefined when it is invalid (and reported as such). */
function field<K extends keyof Env>(env: Record<string, string | undefined>, name: K): Env[K] | undefined {
  const result = (schema.shape[name] as unknown as z.ZodType<Env[K]>).safeParse(env[name]);
  return result.success ? result.data : undefined;
}

/**
 * Rules that tie variables together. They read each variable on its own, so they are reported beside
 * the invalid values (a bad PORT and a missing KINEMA_S3_BUCKET come in one report, not one per start).
 * A rule whose inputs are themselves invalid is skipped: those are reported already.
 */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const heartbeat = field(env, "KINEMA_HEARTBEAT_MS");
  const lease = field(env, "KINEMA_LEASE_MS");
  if (heartbeat !== undefined && lease !== undefined && heartbeat * 2 > lease) problems.push("KINEMA_HEARTBEAT_MS: must be at most half of KINEMA_LEASE_MS");
  if (field(env, "KINEMA_STORE") === "s3" && env.KINEMA_S3_BUCKET === undefined) problems.push("KINEMA_S3_BUCKET: required when KINEMA_STORE=s3");
  if (!env.KINEMA_C2PA_CERT_CHAIN !== !(env.KINEMA_C2PA_PRIVATE_KEY || env.KINEMA_C2PA_SIGNER_MODULE)) {
    problems.push("KINEMA_C2PA_CERT_CHAIN: set it together with KINEMA_C2PA_PRIVATE_KEY (or KINEMA_C2PA_SIGNER_MODULE), or neither");
  }
  if (env.DATABASE_DIRECT_URL !== undefined && env.DATABASE_URL === undefined) problems.push("DATABASE_DIRECT_URL: set it together with DATABASE_URL (embedded mode has no server)");
  if (field(env, "KINEMA_DB_POOLER") === "pgbouncer") {
    if (env.DATABASE_URL === undefined) problems.push("KINEMA_DB_POOLER: pgbouncer needs DATABASE_URL (the pooler's address)");
    // Through a transaction-mode pooler LISTEN "succeeds" and then hears nothing: refuse it at start-up.
    else if (env.DATABASE_DIRECT_URL === undefined) problems.push("DATABASE_DIRECT_URL: required when KINEMA_DB_POOLER=pgbouncer (LISTEN, the migration lock and leader election need a session on PostgreSQL itself, not the pooler)");
    else if (env.DATABASE_DIRECT_URL === env.DATABASE_URL) problems.push("DATABASE_DIRECT_URL: must not be the pooler's DATABASE_URL when KINEMA_DB_POOLER=pgbouncer");
  }
  return problems;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means unset (`DATABASE_URL= npm start` is embedded mode).
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const parsed = schema.safeParse(set);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  problems.push(...crossFieldProblems(set));
  if (!parsed.success || problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL ?? e.DATABASE_URL,
    pooler: e.KINEMA_DB_POOLER,
    leader: { retryMs: e.KINEMA_LEADER_RETRY_MS },
    port: e.PORT,
    host: e.HOST,
    dataDir: e.KINEMA_DATA_DIR,
    embeddedWorker: e.KINEMA_EMBEDDED_WORKER === "true",
    workerId: e.KINEMA_WORKER_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    poolSize: e.KINEMA_DB_POOL_SIZE,
    stagesModule: e.KINEMA_STAGES_MODULE,
    queue: {
      leaseMs: e.KINEMA_LEASE_MS, heartbeatMs: e.KINEMA_HEARTBEAT_MS, progressRowMs: e.KINEMA_PROGRESS_ROW_MS, claimPrefetch: e.KINEMA_CLAIM_PREFETCH, prefetchBelowMs: e.KINEMA_PREFETCH_BELOW_MS, stepGatherMs: e.KINEMA_STEP_GATHER_MS, stepEventIntervalMs: e.KINEMA_STEP_EVENT_INTERVAL_MS, pollMs: e.KINEMA_POLL_MS,
      sweepMs: e.KINEMA_SWEEP_MS, housekeepingMs: e.KINEMA_HOUSEKEEPING_MS, maxAttempts: e.KINEMA_MAX_ATTEMPTS,
      retryBaseMs: e.KINEMA_RETRY_BASE_MS, retryMaxMs: e.KINEMA_RETRY_MAX_MS,
    },
    video: { fps: e.KINEMA_FPS },
    tiers: {
      FREE: { maxResolution: e.KINEMA_FREE_MAX_RESOLUTION, stepBudget: e.KINEMA_FREE_STEPS, minDurationSeconds: 1, maxDurationSeconds: 10 },
      PLUS: { maxResolution: e.KINEMA_PLUS_MAX_RESOLUTION, stepBudget: e.KINEMA_PLUS_STEPS, minDurationSeconds: 1, maxDurationSeconds: 10 },
    },
    limits: {
      maxDepth: e.KINEMA_MAX_QUERY_DEPTH, maxCost: e.KINEMA_MAX_QUERY_COST, maxTokens: e.KINEMA_MAX_QUERY_TOKENS,
      maxFields: e.KINEMA_MAX_QUERY_FIELDS, maxAliases: e.KINEMA_MAX_ALIASES, maxMutations: e.KINEMA_MAX_MUTATIONS,
      maxBodyBytes: e.KINEMA_MAX_BODY_BYTES,
      introspection: { burst: e.KINEMA_INTROSPECTION_BURST, perSecond: e.KINEMA_INTROSPECTION_PER_MINUTE / 60 },
    },
    auth: { cacheMs: e.KINEMA_AUTH_CACHE_MS, usageFlushMs: e.KINEMA_KEY_USAGE_FLUSH_MS },
    sockets: {
      maxPerAccount: e.KINEMA_WS_MAX_PER_ACCOUNT, maxPerAddress: e.KINEMA_WS_MAX_PER_ADDRESS,
      maxSubscriptions: e.KINEMA_WS_MAX_SUBSCRIPTIONS, idleTimeoutMs: e.KINEMA_WS_IDLE_TIMEOUT_MS, initTimeoutMs: e.KINEMA_WS_INIT_TIMEOUT_MS,
      operations: { burst: e.KINEMA_WS_OPERATION_BURST, perSecond: e.KINEMA_WS_OPERATIONS_PER_SECOND },
    },
    engine: {
      modelDir: e.KINEMA_MODEL_DIR, provider: e.KINEMA_EXECUTION_PROVIDER, profile: e.KINEMA_ENGINE_PROFILE,
      sampler: e.KINEMA_SAMPLER ?? null, guidance: e.KINEMA_GUIDANCE ?? null,
      checkpointEvery: e.KINEMA_CHECKPOINT_EVERY, previewEvery: e.KINEMA_PREVIEW_EVERY, previewMinMs: e.KINEMA_PREVIEW_MIN_MS, threads: e.KINEMA_ORT_THREADS,
    },
    delivery: { urlTtlSeconds: e.KINEMA_URL_TTL_SECONDS, publicUrl: e.KINEMA_PUBLIC_URL ?? null, signingSecret: e.KINEMA_URL_SIGNING_SECRET ?? null },
    webhooks: {
      secretKey: e.KINEMA_WEBHOOK_SECRET_KEY ?? null,
      allowedCidrs: (e.KINEMA_WEBHOOK_ALLOWED_CIDRS ?? "").split(",").map((c) => c.trim()).filter(Boolean),
      timeoutMs: e.KINEMA_WEBHOOK_TIMEOUT_MS, concurrency: e.KINEMA_WEBHOOK_CONCURRENCY, pollMs: e.KINEMA_WEBHOOK_POLL_MS,
      retryBaseMs: e.KINEMA_WEBHOOK_RETRY_BASE_MS, retryMaxMs: e.KINEMA_WEBHOOK_RETRY_MAX_MS, retryWindowMs: e.KINEMA_WEBHOOK_RETRY_WINDOW_MS,
      progressIntervalMs: e.KINEMA_WEBHOOK_PROGRESS_INTERVAL_MS,
    },
    retention: { FREE: Math.round(e.KINEMA_RETENTION_FREE_DAYS * 86_400), PLUS: Math.round(e.KINEMA_RETENTION_PLUS_DAYS * 86_400) },
    storage: e.KINEMA_STORE === "disk" ? { kind: "disk" } : {
      kind: "s3", endpoint: e.KINEMA_S3_ENDPOINT, bucket: e.KINEMA_S3_BUCKET!, region: e.KINEMA_S3_REGION,
      forcePathStyle: e.KINEMA_S3_FORCE_PATH_STYLE === "true", accessKeyId: e.KINEMA_S3_ACCESS_KEY_ID,
      secretAccessKey: e.KINEMA_S3_SECRET_ACCESS_KEY, prefix: e.KINEMA_S3_PREFIX,
    },
    scheduler: { pollMs: e.KINEMA_SCHEDULER_POLL_MS },
    gpuHourlyCost: e.KINEMA_GPU_HOURLY_COST,
    safety: { rulePollMs: e.KINEMA_SAFETY_POLL_MS, hashBank: e.KINEMA_HASH_BANK ?? null, likenessGallery: e.KINEMA_LIKENESS_GALLERY ?? null, publicFiguresFile: e.KINEMA_PUBLIC_FIGURES_FILE ?? null, likenessThreshold: e.KINEMA_LIKENESS_THRESHOLD, nsfwThresholds: e.KINEMA_NSFW_THRESHOLDS, nciiThreshold: e.KINEMA_NCII_THRESHOLD },
    rescan: { rate: e.KINEMA_RESCAN_RATE, intervalMs: e.KINEMA_RESCAN_INTERVAL_MS },
    metricsPort: e.KINEMA_METRICS_PORT,
    apiMetricsPort: e.KINEMA_API_METRICS_PORT,
    regenerationWindowMinutes: e.KINEMA_REGENERATION_WINDOW_MINUTES,
    slo: { queueWaitP50Seconds: e.KINEMA_SLO_QUEUE_WAIT_P50_S, endToEndP95Seconds: { PLUS: e.KINEMA_SLO_E2E_P95_PLUS_S, FREE: e.KINEMA_SLO_E2E_P95_FREE_S } },
    alarms: { intervalMs: e.KINEMA_ALARM_INTERVAL_MS, windowSeconds: e.KINEMA_ALARM_WINDOW_S },
    mitigation: { cooldownMs: e.KINEMA_MITIGATION_COOLDOWN_MS, healthyForMs: e.KINEMA_MITIGATION_HEALTHY_MS },
    provenance: {
      certChain: e.KINEMA_C2PA_CERT_CHAIN ?? null, privateKey: e.KINEMA_C2PA_PRIVATE_KEY ?? null,
      trustAnchors: e.KINEMA_C2PA_TRUST_ANCHORS ?? null, signerModule: e.KINEMA_C2PA_SIGNER_MODULE ?? null,
    },
  };
}
