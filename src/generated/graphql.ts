import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { JobRecord } from '../jobs/service.js';
import type { Account as AccountModel } from '../accounts/accounts.js';
import type { JobProgressEvent } from '../api/progress.js';
import type { SafetyRuleRecord } from '../safety/prefilter/store.js';
import type { ApiKeyRecord } from '../accounts/api-keys.js';
import type { StaffAccountRecord } from '../staff/search.js';
import type { AuditRecord } from '../audit/audit-log.js';
import type { WebhookEndpointRecord, WebhookDeliveryRecord } from '../webhooks/service.js';
import type { HashBankRecord } from '../safety/banks/store.js';
import type { SafetyIncidentRecord } from '../safety/incidents/store.js';
import type { GraphQLContext } from '../api/context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO 8601 date-time in UTC, e.g. 2026-11-26T18:15:00.000Z. */
  DateTime: { input: Date; output: Date; }
};

export type Account = {
  __typename?: 'Account';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  limits: TierLimits;
  name: Scalars['String']['output'];
  role: Role;
  tier: Tier;
  /** Jobs, GPU time and cost over the last `window`, and the rate limits with what is left. */
  usage: Usage;
};


export type AccountUsageArgs = {
  window: UsageWindow;
};

/** An account's jobs created in [from, to). */
export type AccountUsage = {
  __typename?: 'AccountUsage';
  accountId: Scalars['ID']['output'];
  byStatus: Array<JobStatusCount>;
  from: Scalars['DateTime']['output'];
  /**
   * GPU-seconds of the work its jobs record (the stage times of delivered jobs; cache hits did no GPU work).
   * Failed and cancelled attempts record no stage times yet, so this is a floor.
   */
  gpuSeconds: Scalars['Float']['output'];
  jobs: Scalars['Int']['output'];
  to: Scalars['DateTime']['output'];
};

export type AddHashBankEntryInput = {
  /** 1 to 32 lowercase letters, digits, - or _, a letter first (csam, ncii, ...). */
  category: Scalars['String']['input'];
  /** 64 hex digits. */
  hash: Scalars['String']['input'];
  /** 1 to 500 characters. */
  label: Scalars['String']['input'];
  /** 50 to 100; PDQ never compares hashes of lower quality. */
  quality?: InputMaybe<Scalars['Int']['input']>;
  /** Where the hash comes from (default admin). */
  source?: InputMaybe<Scalars['String']['input']>;
};

export type AddSafetyRuleInput = {
  category: SafetyCategory;
  kind: SafetyRuleKind;
  /** 1 to 200 characters. */
  pattern: Scalars['String']['input'];
};

/**
 * An alarm, named as its Prometheus rule in ops/prometheus/alerts.yml: KinemaNanRateHigh,
 * KinemaPlusQueueWaitHigh, KinemaProvenanceFailures KinemaRescanHits or KinemaPostfilterBlockRateSpike.
 */
export type Alarm = {
  __typename?: 'Alarm';
  description: Scalars['String']['output'];
  evaluatedAt: Scalars['DateTime']['output'];
  name: Scalars['String']['output'];
  /** When the alarm entered its current state (as seen by this API process). */
  since: Scalars['DateTime']['output'];
  state: AlarmState;
  /** It fires when value is above this. */
  threshold: Scalars['Float']['output'];
  /** The measured value; null when there was nothing to measure. */
  value?: Maybe<Scalars['Float']['output']>;
};

export type AlarmState =
  | 'FIRING'
  | 'OK';

/**
 * One of the caller's API keys. The key itself is shown once, when it is made (`CreateApiKeyPayload.key`,
 * `RotateApiKeyPayload.key`); only its SHA-256 hash is stored, so neither the key nor the hash is ever
 * listed.
 */
export type ApiKey = {
  __typename?: 'ApiKey';
  /** Whether the key authenticates requests now. */
  active: Scalars['Boolean']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** Whether this is the key that authenticated this request. */
  current: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  /**
   * When the key last authenticated a request, to within a minute: each API process records use in
   * memory and writes it at most once a minute per key.
   */
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  /** A label the owner chose (1-100 characters), or null. */
  name?: Maybe<Scalars['String']['output']>;
  /** The key's first 12 characters (`kin_` and 8 more), to tell keys apart. */
  prefix: Scalars['String']['output'];
  /** When the key stops (or stopped) working; in the future while a rotated key is in its grace period. */
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
};

/** One staff or admin action, as the append-only audit log keeps it. */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  /** job.cancel, job.retry, apiKey.revoke, account.setTier, account.suspend, account.reactivate, safetyRule.add, safetyRule.disable, scheduler.update. */
  action: Scalars['String']['output'];
  /** The staff account that acted; null for Kinema itself (auto-mitigation of the scheduler). */
  actorAccountId?: Maybe<Scalars['ID']['output']>;
  actorRole?: Maybe<Role>;
  /** The target after the action, as JSON text. */
  after?: Maybe<Scalars['String']['output']>;
  /** The target before the action, as JSON text; null when it did not exist (an added rule). */
  before?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  reason?: Maybe<Scalars['String']['output']>;
  targetId?: Maybe<Scalars['String']['output']>;
  /** Job, ApiKey, Account, SafetyRule, SchedulerConfig or RetentionConfig. */
  targetType: Scalars['String']['output'];
};

export type AuditLogConnection = {
  __typename?: 'AuditLogConnection';
  nodes: Array<AuditEntry>;
  pageInfo: PageInfo;
};

export type AuditLogFilter = {
  action?: InputMaybe<Scalars['String']['input']>;
  actorAccountId?: InputMaybe<Scalars['ID']['input']>;
  /** Entries at or after this time. */
  after?: InputMaybe<Scalars['DateTime']['input']>;
  /** Entries before this time. */
  before?: InputMaybe<Scalars['DateTime']['input']>;
  targetId?: InputMaybe<Scalars['String']['input']>;
};

export type CancelJobPayload = {
  __typename?: 'CancelJobPayload';
  job?: Maybe<Job>;
  userErrors: Array<UserError>;
};

export type CreateApiKeyInput = {
  /** An optional label, 1-100 characters after trimming. */
  name?: InputMaybe<Scalars['String']['input']>;
};

export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  apiKey?: Maybe<ApiKey>;
  /** The new key, shown only here: store it now. */
  key?: Maybe<Scalars['String']['output']>;
  /** KEY_LIMIT (too many active keys), INVALID_NAME. */
  userErrors: Array<UserError>;
};

export type DeleteAccountPayload = {
  __typename?: 'DeleteAccountPayload';
  /** How many jobs became tombstones. */
  deletedJobs: Scalars['Int']['output'];
  /** CONFIRMATION_MISMATCH (confirm must be the account's name). */
  userErrors: Array<UserError>;
};

export type DeleteJobPayload = {
  __typename?: 'DeleteJobPayload';
  /** The tombstone: deletedAt set, prompt redacted, video null (a running job: being cancelled). */
  job?: Maybe<Job>;
  /** NOT_FOUND. */
  userErrors: Array<UserError>;
};

export type DeleteWebhookEndpointPayload = {
  __typename?: 'DeleteWebhookEndpointPayload';
  deletedId?: Maybe<Scalars['ID']['output']>;
  userErrors: Array<UserError>;
};

/** Why a finished job's video is not delivered now. */
export type DeliveryHold = {
  __typename?: 'DeliveryHold';
  /** FACE_HOLD: delivery of clips showing a face is paused for everyone (a safety switch). */
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/** A fleet sized by Little's law, and what it costs. */
export type FleetPlan = {
  __typename?: 'FleetPlan';
  /** What dominates the bill, in words: busy GPU time, idle headroom, overhead or failure waste. */
  bottleneck: Scalars['String']['output'];
  /** GPUs busy on average (Little's law): effectiveArrivalRatePerSecond x effectiveGpuSecondsPerClip. */
  busyGpus: Scalars['Float']['output'];
  /** Dollars of GPU time one generated clip consumes: effectiveGpuSecondsPerClip x gpuHourlyCost / 3600. */
  costPerClipDollars: Scalars['Float']['output'];
  /** costPerClipDollars x (1 + overheadFraction). */
  costPerClipWithOverheadDollars: Scalars['Float']['output'];
  /** Fleet burn spread over all requests (idle headroom and cache hits included): hourly burn / (rate x 3600). */
  costPerRequestDollars: Scalars['Float']['output'];
  /** costPerRequestDollars x (1 + overheadFraction). */
  costPerRequestWithOverheadDollars: Scalars['Float']['output'];
  /** Clips per second that need GPU work: arrival rate x (1 - cache hit rate). */
  effectiveArrivalRatePerSecond: Scalars['Float']['output'];
  /** GPU-seconds each clip really consumes: gpuSecondsPerClip / batchingFactor. */
  effectiveGpuSecondsPerClip: Scalars['Float']['output'];
  /**
   * Dollars lost per hour with a checkpoint every k of n steps: half an interval on average, i.e. the
   * no-checkpoint waste x k / n. Equal to it when there are no checkpoints.
   */
  failureWastePerHourWithCheckpointsDollars: Scalars['Float']['output'];
  /**
   * Dollars of work lost to failures per hour without checkpoints: each failure loses, for each of its
   * concurrentGenerations, half a clip on average (failuresPerHour x concurrentGenerations x costPerFailure / 2).
   */
  failureWastePerHourWithoutCheckpointsDollars: Scalars['Float']['output'];
  /** GPU failures per hour: failureRate x gpusNeeded x 3600 / gpuSecondsPerClip. */
  failuresPerHour: Scalars['Float']['output'];
  /** GPU-seconds per clip used by the plan, before batching. */
  gpuSecondsPerClip: Scalars['Float']['output'];
  /** Where gpuSecondsPerClip came from. */
  gpuSecondsPerClipSource: GpuSecondsSource;
  /** GPUs to provision: ceil(busyGpus / targetUtilisation). */
  gpusNeeded: Scalars['Int']['output'];
  /** Dollars per hour for the GPUs: gpusNeeded x gpuHourlyCost. */
  hourlyBurnDollars: Scalars['Float']['output'];
  /** hourlyBurnDollars x (1 + overheadFraction). */
  hourlyBurnWithOverheadDollars: Scalars['Float']['output'];
  /** How many jobs the measured figure averages; 0 when it was given. */
  measuredSamples: Scalars['Int']['output'];
  /** Dollars per month (730 hours) for the GPUs. */
  monthlyBurnDollars: Scalars['Float']['output'];
  /** monthlyBurnDollars x (1 + overheadFraction). */
  monthlyBurnWithOverheadDollars: Scalars['Float']['output'];
};

/**
 * Inputs of the fleet cost model. Rates are per second, money is in dollars, fractions are 0..1.
 * See src/ops/cost.ts for the formulas.
 */
export type FleetPlanInput = {
  /** Requests arriving per second, cache hits included. ≥ 0. */
  arrivalRatePerSecond: Scalars['Float']['input'];
  /**
   * Latency batching: requests sharing one GPU denoising step (≥ 1). Divides GPU-seconds per clip (more
   * throughput per GPU), at the price of latency (waiting for a batch, slower batched steps).
   */
  batchingFactor?: InputMaybe<Scalars['Float']['input']>;
  /** Fraction of requests served from the cache with no GPU work, in [0, 1]. */
  cacheHitRate?: InputMaybe<Scalars['Float']['input']>;
  /** Checkpoint every this many steps (1..stepsPerClip). Omitted: no checkpoints. */
  checkpointEverySteps?: InputMaybe<Scalars['Int']['input']>;
  /** Generations running together on one GPU, all lost when it fails (whole number ≥ 1). */
  concurrentGenerations?: InputMaybe<Scalars['Int']['input']>;
  /** Dollars one generation costs when all its work is lost. Omitted: the raw cost per clip. */
  costPerFailure?: InputMaybe<Scalars['Float']['input']>;
  /** Probability that a GPU fails during one clip's worth of its time, in [0, 1]. */
  failureRate?: InputMaybe<Scalars['Float']['input']>;
  /** Dollars per GPU-hour. ≥ 0. */
  gpuHourlyCost: Scalars['Float']['input'];
  /**
   * GPU-seconds one clip consumes without batching. Omitted: the mean this deployment has measured over its
   * recent SUCCEEDED jobs (sum of stage times, else of denoising step times); BAD_USER_INPUT if none yet.
   */
  gpuSecondsPerClip?: InputMaybe<Scalars['Float']['input']>;
  /** Non-GPU cost (network, storage, CPUs, people) as a fraction of GPU cost: 0.3 = 30%. */
  overheadFraction?: InputMaybe<Scalars['Float']['input']>;
  /** Denoising steps per clip (whole number ≥ 1). */
  stepsPerClip?: InputMaybe<Scalars['Int']['input']>;
  /** Fraction of provisioned GPU time meant to be busy, in (0, 1]; the rest is headroom for queueing. */
  targetUtilisation?: InputMaybe<Scalars['Float']['input']>;
};

export type GenerateVideoInput = {
  /**
   * A job no worker has started within this many seconds (1 to 86400) of submission becomes EXPIRED: it
   * never runs, costs no GPU time and does not count against the daily quota.
   */
  deadlineSeconds?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 10. */
  durationSeconds: Scalars['Int']['input'];
  /** Retrying with the same key returns the first job instead of creating another. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /**
   * Guidance pushes the video away from this text instead of from an empty prompt (models whose contract
   * says they support it: both shipped models). Up to 2000 characters; checked by the same safety
   * pre-filter as the prompt; blank means none. Part of the cache key.
   */
  negativePrompt?: InputMaybe<Scalars['String']['input']>;
  /** 1 to 2000 characters after trimming. */
  prompt: Scalars['String']['input'];
  /** Up to what the caller's tier allows (see `me.limits`). */
  resolution: Resolution;
  /** The same seed, prompt and settings give the same video. Chosen by the server when omitted. */
  seed?: InputMaybe<Scalars['Int']['input']>;
  /**
   * A one-off URL told of this job's events (all of them; job.progress throttled), signed with a secret
   * returned once in `GenerateVideoPayload.webhookSecret`.
   */
  webhookUrl?: InputMaybe<Scalars['String']['input']>;
};

export type GenerateVideoPayload = {
  __typename?: 'GenerateVideoPayload';
  job?: Maybe<Job>;
  userErrors: Array<UserError>;
  /** The `whsec_` secret of this job's `webhookUrl`, shown only here; null without one. */
  webhookSecret?: Maybe<Scalars['String']['output']>;
};

/** Where the plan's GPU-seconds per clip came from. */
export type GpuSecondsSource =
  /** Given in the input. */
  | 'INPUT'
  /** Measured from this deployment's recent SUCCEEDED jobs. */
  | 'MEASURED';

/**
 * An entry of the hash bank the post-filter matches every frame against (through the frame's 8 PDQ
 * rotations and mirrors). Entries come from `kinema bank import` (a hash list) or an admin. Rows are never
 * deleted: a disabled entry keeps its history.
 */
export type HashBankEntry = {
  __typename?: 'HashBankEntry';
  addedAt: Scalars['DateTime']['output'];
  /** The admin's account id, or cli:<user> for an import. */
  addedBy: Scalars['String']['output'];
  /** What the hash stands for, e.g. csam, ncii. */
  category: Scalars['String']['output'];
  disabledAt?: Maybe<Scalars['DateTime']['output']>;
  disabledBy?: Maybe<Scalars['String']['output']>;
  disabledReason?: Maybe<Scalars['String']['output']>;
  enabled: Scalars['Boolean']['output'];
  /** The PDQ hash: 64 hex digits. */
  hash: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  label: Scalars['String']['output'];
  /** The hash's PDQ quality, when the list gave it. */
  quality?: Maybe<Scalars['Int']['output']>;
  /** Where it comes from: the list's name, or admin. */
  source: Scalars['String']['output'];
};

export type HashBankEntryPayload = {
  __typename?: 'HashBankEntryPayload';
  entry?: Maybe<HashBankEntry>;
  userErrors: Array<UserError>;
};

export type Job = {
  __typename?: 'Job';
  /** Each claim of the job by a worker, first first. */
  attemptHistory: Array<JobAttempt>;
  /** How many times a worker has started this job. */
  attempts: Scalars['Int']['output'];
  /** The video of an identical earlier request (same seed and settings) of this account, delivered again without generating it. */
  cacheHit: Scalars['Boolean']['output'];
  /** gpuSeconds at the configured GPU price (KINEMA_GPU_HOURLY_COST, dollars per GPU-hour); null until finished. */
  costDollars?: Maybe<Scalars['Float']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** When a job with `deadlineSeconds` expires unless a worker has started it by then. */
  deadlineAt?: Maybe<Scalars['DateTime']['output']>;
  /** When the owner (or the account's deletion) deleted the job. A deleted job is a tombstone: prompt redacted, no video. */
  deletedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Set while the job's video is held back (its `video` is then null); null otherwise. */
  deliveryHold?: Maybe<DeliveryHold>;
  durationSeconds: Scalars['Int']['output'];
  /** Why the job failed or was blocked; while a job is retried, the last attempt's error. */
  error?: Maybe<JobError>;
  /** Estimated seconds until the job finishes; null when finished or unknown. */
  etaSeconds?: Maybe<Scalars['Int']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  fps: Scalars['Int']['output'];
  /**
   * GPU time the job's run used, measured per stage by the worker (seconds); 0 for a job that never ran
   * (cache hits, blocked, expired, cancelled while queued); null until the job has finished.
   */
  gpuSeconds?: Maybe<Scalars['Float']['output']>;
  height: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  /** The negative prompt the job was submitted with, if any. */
  negativePrompt?: Maybe<Scalars['String']['output']>;
  /** When the job's stored outputs were removed, and why; null while they are kept. */
  outputsRemovedAt?: Maybe<Scalars['DateTime']['output']>;
  outputsRemovedReason?: Maybe<OutputRemovalReason>;
  prompt: Scalars['String']['output'];
  /** Claims expected before this one under the scheduler's weights (0: next); null unless QUEUED. */
  queuePosition?: Maybe<Scalars['Int']['output']>;
  resolution: Resolution;
  seed: Scalars['Int']['output'];
  stage: JobStage;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: JobStatus;
  /** Denoising steps this job runs, set by the server from the tier. */
  stepBudget: Scalars['Int']['output'];
  stepsCompleted: Scalars['Int']['output'];
  tier: Tier;
  /** Seconds from the first enqueue to delivery (to now while unfinished); null when never queued. */
  timeInSystemSeconds?: Maybe<Scalars['Float']['output']>;
  /** The job's life in order (owner's view: no worker ids or internal rule details). */
  timeline: Array<JobEvent>;
  video?: Maybe<Video>;
  width: Scalars['Int']['output'];
};

/**
 * One claim of a job by a worker, as the owner sees it. Numbered by claim: a job handed back by a worker
 * that shut down and claimed again has had two attempts here.
 */
export type JobAttempt = {
  __typename?: 'JobAttempt';
  /** Null while the attempt runs. */
  endedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The error code that ended it, if any. */
  errorCode?: Maybe<Scalars['String']['output']>;
  number: Scalars['Int']['output'];
  /** RUNNING, SUCCEEDED, FAILED, RETRIED, LEASE_LOST, RELEASED, CANCELLED or BLOCKED (UNKNOWN: a job older than the timeline). */
  outcome: Scalars['String']['output'];
  startedAt: Scalars['DateTime']['output'];
  /** The denoising step the attempt reached (counting the steps it resumed from). */
  stepsCompleted: Scalars['Int']['output'];
};

export type JobConnection = {
  __typename?: 'JobConnection';
  edges: Array<JobEdge>;
  nodes: Array<Job>;
  pageInfo: PageInfo;
};

export type JobEdge = {
  __typename?: 'JobEdge';
  cursor: Scalars['String']['output'];
  node: Job;
};

export type JobError = {
  __typename?: 'JobError';
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

/**
 * One moment of a job's life, appended in the same transaction as the change it records (a stale worker,
 * whose fenced write matches nothing, adds nothing).
 */
export type JobEvent = {
  __typename?: 'JobEvent';
  at: Scalars['DateTime']['output'];
  /** The attempt it belongs to (1 is the first claim); null before the first claim. */
  attempt?: Maybe<Scalars['Int']['output']>;
  /** Seconds spent: for STAGE_LEFT, the stage; for FINISHED, the attempt. */
  durationSeconds?: Maybe<Scalars['Float']['output']>;
  kind: JobEventKind;
  /** A sentence for people, e.g. "Denoising took 12.4 s". */
  message: Scalars['String']['output'];
  stage?: Maybe<JobStage>;
  /** The denoising step it concerns (CHECKPOINT_WRITTEN, RESUMED, NAN_DETECTED). */
  step?: Maybe<Scalars['Int']['output']>;
};

/** What kind of moment in a job's life a timeline event records. */
export type JobEventKind =
  | 'CACHE_HIT'
  | 'CANCELLED'
  | 'CANCEL_REQUESTED'
  | 'CHECKPOINT_WRITTEN'
  | 'CLAIMED'
  | 'FINISHED'
  | 'LEASE_LOST'
  | 'NAN_DETECTED'
  | 'POSTFILTER_DECISION'
  | 'PREFILTER_DECISION'
  | 'QUEUED'
  | 'RESUMED'
  | 'RETRY_SCHEDULED'
  | 'SIGNED'
  | 'STAGE_ENTERED'
  | 'STAGE_LEFT'
  | 'SUBMITTED'
  | 'UPLOADED';

export type JobFilter = {
  /** Jobs created at or after this time. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Jobs created before this time. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  status?: InputMaybe<Array<JobStatus>>;
};

/** One moment of a job's life, as the `jobProgress` subscription streams it. */
export type JobProgress = {
  __typename?: 'JobProgress';
  etaSeconds?: Maybe<Scalars['Int']['output']>;
  job: Job;
  previewUrl?: Maybe<Scalars['String']['output']>;
  queuePosition?: Maybe<Scalars['Int']['output']>;
  stage: JobStage;
  status: JobStatus;
  /** Denoising steps done. */
  step: Scalars['Int']['output'];
  /** Denoising steps planned (the job's step budget). */
  totalSteps: Scalars['Int']['output'];
};

export type JobStage =
  | 'DECODING'
  | 'DENOISING'
  | 'DONE'
  | 'POSTFILTER'
  | 'PREFILTER'
  | 'QUEUED'
  | 'SIGNING'
  | 'UPLOADING';

export type JobStatus =
  /** Refused by the safety pre-filter; never queued. */
  | 'BLOCKED'
  | 'CANCELLED'
  /** Its `deadlineSeconds` passed before a worker started it: never run, no GPU time, not counted against the daily quota. */
  | 'EXPIRED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED'
  /** Removed under the content policy by staff or the safety re-scan; the clip and its variants are gone. */
  | 'TAKEN_DOWN';

export type JobStatusCount = {
  __typename?: 'JobStatusCount';
  count: Scalars['Int']['output'];
  status: JobStatus;
};

/**
 * Percentiles are nearest-rank: the smallest measured value that at least that share of the jobs did not
 * exceed. Null when no job was measured.
 */
export type LatencySlo = {
  __typename?: 'LatencySlo';
  /** Whether the objective's percentile is under its target; null when no job was measured. */
  met?: Maybe<Scalars['Boolean']['output']>;
  objective: SloObjective;
  p50Seconds?: Maybe<Scalars['Float']['output']>;
  p95Seconds?: Maybe<Scalars['Float']['output']>;
  samples: Scalars['Int']['output'];
};

/** The model the workers run, as its card (model.json in KINEMA_MODEL_DIR) describes it. */
export type ModelCard = {
  __typename?: 'ModelCard';
  description: Scalars['String']['output'];
  /** Prompts the model is known to do (its card's examplePrompts), best first; empty when the card lists none. */
  examplePrompts: Array<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  /** false for a model with untrained weights (kinema-tiny: noise-like output). */
  trained: Scalars['Boolean']['output'];
  version: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Admins only. DUPLICATE_ENTRY when the hash already is in the bank under that category. Audited. */
  addHashBankEntry: HashBankEntryPayload;
  /** Admins only. Audited, with the optional reason. */
  addSafetyRule: SafetyRulePayload;
  /** Admins only: add a note (up to 2,000 characters) and/or close the incident. Audited. */
  annotateSafetyIncident: SafetyIncidentPayload;
  /** A queued job is cancelled at once; a running one stops within one denoising step. */
  cancelJob: CancelJobPayload;
  /** A new key for the caller's account (at most 20 active keys per account). */
  createApiKey: CreateApiKeyPayload;
  /** Registers an endpoint (at most 20 per account). The URL must resolve to public addresses only. */
  createWebhookEndpoint: WebhookEndpointPayload;
  /**
   * Deletes the caller's account: every job becomes a tombstone (queued and running ones cancelled), all
   * outputs are removed, every API key is revoked. `confirm` must be the account's name, exactly.
   */
  deleteAccount: DeleteAccountPayload;
  /**
   * Deletes one of the caller's jobs: its clip, previews, poster, spritesheet and checkpoints leave storage,
   * every URL issued for them answers 410 Gone, and the job stays as a tombstone with its prompt redacted. A
   * queued or running job is cancelled first (its objects go once it has stopped). Deleting twice is not an
   * error: the same tombstone is returned.
   */
  deleteJob: DeleteJobPayload;
  /** Removes the endpoint and its delivery log. */
  deleteWebhookEndpoint: DeleteWebhookEndpointPayload;
  /** Admins only: the entry stops matching at the workers' next poll. Audited, with the reason. */
  disableHashBankEntry: HashBankEntryPayload;
  /** Admins only. Built-in rules cannot be disabled (BUILTIN_RULE). Audited, with the optional reason. */
  disableSafetyRule: SafetyRulePayload;
  /** Stops deliveries to the endpoint; pending ones fail. */
  disableWebhookEndpoint: WebhookEndpointPayload;
  generateVideo: GenerateVideoPayload;
  /** Admins: lifts a suspension (cancelled jobs stay cancelled). Audited. */
  reactivateAccount: StaffAccountPayload;
  /** Sends a delivery again (same webhook-id), with a new 24-hour retry window. */
  redeliverWebhook: WebhookDeliveryPayload;
  /**
   * Revokes one of the caller's keys at once (a key in its rotation grace period too). Revoking a revoked
   * key changes nothing. Open WebSockets authenticated by it are closed (code 4403) within seconds.
   */
  revokeApiKey: RevokeApiKeyPayload;
  /**
   * Issues a new key with the old one's name and revokes the old one, at once or after
   * `gracePeriodSeconds` (0-3600), so running clients can switch over.
   */
  rotateApiKey: RotateApiKeyPayload;
  /** A new secret; the old one keeps signing beside it for `gracePeriodSeconds` (0 to 604800; default a day). */
  rotateWebhookSecret: WebhookEndpointPayload;
  /** Sends a `webhook.test` event to the endpoint. */
  sendTestWebhook: WebhookDeliveryPayload;
  /** Admins: changes an account's tier; new jobs get the new tier's limits. Audited. */
  setAccountTier: StaffAccountPayload;
  /** Staff: cancels any queued or running job. Audited. */
  staffCancelJob: StaffJobPayload;
  /** Admins: deletes any account as deleteAccount does. Audited. */
  staffDeleteAccount: StaffDeleteAccountPayload;
  /** Staff: a FAILED job queued again with a fresh attempt budget and the same settings. Audited. */
  staffRetryJob: StaffJobPayload;
  /** Staff: revokes any API key now; its open sockets close (4403). Audited. */
  staffRevokeApiKey: StaffApiKeyPayload;
  /**
   * Staff: suspends an account. Its keys get ACCOUNT_SUSPENDED (HTTP 403; open sockets close with 4423) within
   * seconds, its queued jobs are cancelled and its running ones stopped. Audited.
   */
  suspendAccount: StaffAccountPayload;
  /**
   * Staff: takes a delivered clip down under the content policy: the clip and its variants leave storage,
   * every URL answers 410, the job becomes TAKEN_DOWN (the owner sees a neutral message, never the reason).
   * Taking down a job already taken down returns it unchanged. Audited.
   */
  takeDownJob: TakeDownJobPayload;
  /** Admins: changes the retention periods, without a restart; the sweeper applies them to every clip. Audited. */
  updateRetention: UpdateRetentionPayload;
  /** Admins only. Each change is audited (who, reason, before and after). */
  updateSafetySwitches: SafetySwitchesPayload;
  /** Admins only. Audited (who, reason, before and after). */
  updateSchedulerConfig: SchedulerConfigPayload;
  /** Admins only. Audited (who, reason, before and after); in force on every API process within 5 seconds. */
  updateUsageLimits: UsageLimitsPayload;
  /** Changes what is given. `enabled: true` re-enables a disabled endpoint. */
  updateWebhookEndpoint: WebhookEndpointPayload;
};


export type MutationAddHashBankEntryArgs = {
  input: AddHashBankEntryInput;
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationAddSafetyRuleArgs = {
  input: AddSafetyRuleInput;
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationAnnotateSafetyIncidentArgs = {
  close?: InputMaybe<Scalars['Boolean']['input']>;
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationCancelJobArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateWebhookEndpointArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  events: Array<Scalars['String']['input']>;
  url: Scalars['String']['input'];
};


export type MutationDeleteAccountArgs = {
  confirm: Scalars['String']['input'];
};


export type MutationDeleteJobArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDisableHashBankEntryArgs = {
  id: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationDisableSafetyRuleArgs = {
  id: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationDisableWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};


export type MutationGenerateVideoArgs = {
  input: GenerateVideoInput;
};


export type MutationReactivateAccountArgs = {
  accountId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationRedeliverWebhookArgs = {
  deliveryId: Scalars['ID']['input'];
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRotateApiKeyArgs = {
  gracePeriodSeconds: Scalars['Int']['input'];
  id: Scalars['ID']['input'];
};


export type MutationRotateWebhookSecretArgs = {
  gracePeriodSeconds: Scalars['Int']['input'];
  id: Scalars['ID']['input'];
};


export type MutationSendTestWebhookArgs = {
  endpointId: Scalars['ID']['input'];
};


export type MutationSetAccountTierArgs = {
  accountId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
  tier: Tier;
};


export type MutationStaffCancelJobArgs = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationStaffDeleteAccountArgs = {
  accountId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationStaffRetryJobArgs = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationStaffRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationSuspendAccountArgs = {
  accountId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationTakeDownJobArgs = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationUpdateRetentionArgs = {
  input: UpdateRetentionInput;
  reason: Scalars['String']['input'];
};


export type MutationUpdateSafetySwitchesArgs = {
  input: UpdateSafetySwitchesInput;
};


export type MutationUpdateSchedulerConfigArgs = {
  input: UpdateSchedulerConfigInput;
};


export type MutationUpdateUsageLimitsArgs = {
  input: UpdateUsageLimitsInput;
};


export type MutationUpdateWebhookEndpointArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  events?: InputMaybe<Array<Scalars['String']['input']>>;
  id: Scalars['ID']['input'];
  url?: InputMaybe<Scalars['String']['input']>;
};

export type OutputRemovalReason =
  /** The account was deleted. */
  | 'ACCOUNT'
  /** The owner deleted the job. */
  | 'DELETED'
  /** The tier's retention period ended. */
  | 'RETENTION'
  /** Taken down under the content policy. */
  | 'TAKEDOWN';

export type PageInfo = {
  __typename?: 'PageInfo';
  /** Pass as `after` to get the next page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Poster = {
  __typename?: 'Poster';
  bytes: Scalars['Int']['output'];
  height: Scalars['Int']['output'];
  /** The poster's own C2PA content credentials (the clip is their ingredient), as verified before delivery. */
  provenance?: Maybe<Provenance>;
  /** A signed URL, expiring with the clip's (`Video.expiresAt`). */
  url: Scalars['String']['output'];
  width: Scalars['Int']['output'];
};

/** C2PA content credentials of a delivered clip. */
export type Provenance = {
  __typename?: 'Provenance';
  /** Actions recorded in the manifest, e.g. c2pa.created (by a trained algorithm). */
  actions: Array<Scalars['String']['output']>;
  claimGenerator?: Maybe<Scalars['String']['output']>;
  /** The signing certificate's issuer. */
  issuer?: Maybe<Scalars['String']['output']>;
  signedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Trusted (chains to a configured trust anchor) or Valid (intact, signer not in the trust list). */
  state: Scalars['String']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** Staff: an account's jobs and GPU-seconds over [from, to), at most 92 days. */
  accountUsage: AccountUsage;
  /**
   * The operational alarms as this API process last evaluated them (every KINEMA_ALARM_INTERVAL_MS). Staff
   * only, like sloReport.
   */
  alarms: Array<Alarm>;
  /** The caller's own keys, newest first (at most 100); revoked ones only with `includeRevoked`. */
  apiKeys: Array<ApiKey>;
  /** Admins: the audit log, newest first. `first` is 1 to 200. */
  auditLog: AuditLogConnection;
  /** Sizes and prices a GPU fleet for a traffic level, from first principles. Staff only (SUPPORT, ADMIN). */
  fleetPlan: FleetPlan;
  /** Admins only: bank entries, newest first; `before` is the last id of the previous page (at most 500 a page). */
  hashBankEntries: Array<HashBankEntry>;
  /** Admins only: the bank's version. Workers reload the bank within a poll (1 s by default) of a change. */
  hashBankVersion: Scalars['Int']['output'];
  /** One of the caller's jobs; null when it does not exist or belongs to another account. */
  job?: Maybe<Job>;
  /** The caller's jobs, newest first. `first` is 1 to 100 (default 20). */
  jobs: JobConnection;
  /** The account of the API key in the Authorization header. */
  me: Account;
  /** The model in use; null when its card cannot be read. */
  model?: Maybe<ModelCard>;
  /** Staff: the regeneration rate per UTC day and tier over [from, to), at most 92 days. */
  regenerationRate: RegenerationReport;
  /** Staff: the retention periods in force (every process within 2 s of a change). */
  retentionConfig: RetentionConfig;
  /** Staff only (SUPPORT, ADMIN): incidents seen in [from, to), latest first (at most 1,000). */
  safetyIncidents: Array<SafetyIncident>;
  /** Staff only: the current rule-set version. Every job records the version its prompt was checked against. */
  safetyRuleSetVersion: Scalars['Int']['output'];
  /** Staff only (SUPPORT, ADMIN): the editable rules, oldest first. The built-in rules (CSAM, public figures) are not listed. */
  safetyRules: Array<SafetyRule>;
  /** Staff only (SUPPORT, ADMIN): the kill switches in force. */
  safetySwitches: SafetySwitches;
  /** Staff only (SUPPORT, ADMIN): the scheduler's settings in force. */
  schedulerConfig: SchedulerConfig;
  /**
   * Per-tier service-level report over the last `window` seconds (60 to 2592000), measured from the jobs
   * table. Staff only (SUPPORT, ADMIN): fleet-wide operational figures are not for customers.
   */
  sloReport: SloReport;
  /** Staff: an account by id; null when there is none. */
  staffAccount?: Maybe<StaffAccount>;
  /** Staff: accounts whose id is, whose name contains, or (text starting kin_) whose key prefix starts with `search` (2-100 characters). */
  staffAccounts: Array<StaffAccount>;
  /** Staff: any account's job; null when there is none. */
  staffJob?: Maybe<StaffJob>;
  /** Staff: jobs across accounts, newest first. `first` is 1 to 100. */
  staffJobs: StaffJobConnection;
  /** Staff only (SUPPORT, ADMIN): every tier's rate limits and quotas in force. */
  usageLimits: UsageLimitsConfig;
  /** The newest deliveries (at most `first`, 1-100, default 20) of one of the caller's endpoints or jobs: pass one of the two ids. */
  webhookDeliveries: Array<WebhookDelivery>;
  /** The caller's webhook endpoints. */
  webhookEndpoints: Array<WebhookEndpoint>;
};


export type QueryAccountUsageArgs = {
  accountId: Scalars['ID']['input'];
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
};


export type QueryApiKeysArgs = {
  includeRevoked: Scalars['Boolean']['input'];
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuditLogFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryFleetPlanArgs = {
  input: FleetPlanInput;
};


export type QueryHashBankEntriesArgs = {
  before?: InputMaybe<Scalars['ID']['input']>;
  category?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  includeDisabled?: InputMaybe<Scalars['Boolean']['input']>;
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryRegenerationRateArgs = {
  from: Scalars['DateTime']['input'];
  to: Scalars['DateTime']['input'];
};


export type QuerySafetyIncidentsArgs = {
  from: Scalars['DateTime']['input'];
  status?: InputMaybe<SafetyIncidentStatus>;
  to: Scalars['DateTime']['input'];
};


export type QuerySafetyRulesArgs = {
  includeDisabled?: InputMaybe<Scalars['Boolean']['input']>;
};


export type QuerySloReportArgs = {
  window: Scalars['Int']['input'];
};


export type QueryStaffAccountArgs = {
  id: Scalars['ID']['input'];
};


export type QueryStaffAccountsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  search: Scalars['String']['input'];
};


export type QueryStaffJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryStaffJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<StaffJobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryWebhookDeliveriesArgs = {
  endpointId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  jobId?: InputMaybe<Scalars['ID']['input']>;
};

export type RateLimitSettings = {
  __typename?: 'RateLimitSettings';
  generationsPerDay: Scalars['Int']['output'];
  queuedJobs: Scalars['Int']['output'];
  submissionsPerMinute: Scalars['Int']['output'];
};

/** The caller's tier's rate limits and quotas (hot-reloaded from the server's settings). */
export type RateLimits = {
  __typename?: 'RateLimits';
  generationsPerDay: Scalars['Int']['output'];
  /** Each limit with what is used and left now. */
  policies: Array<UsageLimit>;
  queuedJobs: Scalars['Int']['output'];
  submissionsPerMinute: Scalars['Int']['output'];
};

/**
 * One UTC day and tier of the regeneration rate: accounts that submitted jobs, and those that submitted a
 * near-identical prompt (case, white space and punctuation folded) more than twice within the window.
 */
export type RegenerationRateDay = {
  __typename?: 'RegenerationRateDay';
  accounts: Scalars['Int']['output'];
  /** The UTC day, YYYY-MM-DD. */
  day: Scalars['String']['output'];
  /** regeneratingAccounts / accounts; null on a day without submissions under the tier. */
  rate?: Maybe<Scalars['Float']['output']>;
  regeneratingAccounts: Scalars['Int']['output'];
  /** The jobs' tier at submission. */
  tier: Tier;
};

export type RegenerationReport = {
  __typename?: 'RegenerationReport';
  /** Every UTC day [from, to) touches, for every tier, oldest first. */
  days: Array<RegenerationRateDay>;
  from: Scalars['DateTime']['output'];
  to: Scalars['DateTime']['output'];
  /** The window a third near-identical submission must fall in (KINEMA_REGENERATION_WINDOW_MINUTES). */
  windowMinutes: Scalars['Int']['output'];
};

export type Resolution =
  /** 854x480 */
  | 'R480P'
  /** 1280x720 */
  | 'R720P'
  /** 1920x1080 */
  | 'R1080P';

/** The tiers' retention periods: days a delivered clip is kept after its job finished (0: until deleted). */
export type RetentionConfig = {
  __typename?: 'RetentionConfig';
  freeDays: Scalars['Float']['output'];
  plusDays: Scalars['Float']['output'];
};

export type RevokeApiKeyPayload = {
  __typename?: 'RevokeApiKeyPayload';
  apiKey?: Maybe<ApiKey>;
  /** NOT_FOUND (no key with this id among the caller's). */
  userErrors: Array<UserError>;
};

/** What a key's account may do: see docs/AUTHORIZATION.md for every field. */
export type Role =
  /** Everything SUPPORT may, plus tiers, reactivation, safety rules, scheduler settings and the audit log. */
  | 'ADMIN'
  /** Support staff: also reads across accounts and takes audited actions (cancel, retry, revoke a key, suspend). */
  | 'SUPPORT'
  /** Its own account: its jobs, its keys. */
  | 'USER';

export type RotateApiKeyPayload = {
  __typename?: 'RotateApiKeyPayload';
  /** The new key's record; it has the old key's name. */
  apiKey?: Maybe<ApiKey>;
  /** The new key, shown only here: store it now. */
  key?: Maybe<Scalars['String']['output']>;
  /** The old key, revoked now or at the end of the grace period. */
  replaced?: Maybe<ApiKey>;
  /** NOT_FOUND, KEY_REVOKED (an already revoked or rotated key), INVALID_GRACE_PERIOD. */
  userErrors: Array<UserError>;
};

/**
 * Policy categories of the safety pre-filter, in the order they are checked: a prompt that trips two is
 * recorded under the first.
 */
export type SafetyCategory =
  /** Sexual content involving minors. Its hard rule lives in code and cannot be disabled. */
  | 'CSAM'
  /** Real people's likeness: public figures' names and face-generation descriptors. */
  | 'LIKENESS'
  /** Non-consensual intimate imagery. */
  | 'NCII'
  | 'SEXUAL'
  /** Graphic violence. */
  | 'VIOLENCE';

/**
 * Blocks grouped by what tripped them, for the weekly safety review: one incident per pre-filter rule,
 * hash-bank entry or classifier category while it is open (closing it makes the next block open a new one).
 * Recorded by the block itself, in its own transaction; a re-scan hit records its own (source RESCAN).
 */
export type SafetyIncident = {
  __typename?: 'SafetyIncident';
  annotatedAt?: Maybe<Scalars['DateTime']['output']>;
  annotatedBy?: Maybe<Scalars['ID']['output']>;
  category: Scalars['String']['output'];
  closedAt?: Maybe<Scalars['DateTime']['output']>;
  closedBy?: Maybe<Scalars['ID']['output']>;
  firstSeen: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Distinct jobs blocked (or, RESCAN, taken down) by it. */
  jobsAffected: Scalars['Int']['output'];
  lastSeen: Scalars['DateTime']['output'];
  note?: Maybe<Scalars['String']['output']>;
  /** The pre-filter rule id (rule:12, builtin:...), bank:<entry id>, or classifier:<category>. */
  pattern: Scalars['String']['output'];
  /** PREFILTER, POSTFILTER, or RESCAN (a delivered clip the rolling re-scan caught and took down). */
  source: Scalars['String']['output'];
  status: SafetyIncidentStatus;
};

export type SafetyIncidentPayload = {
  __typename?: 'SafetyIncidentPayload';
  incident?: Maybe<SafetyIncident>;
  userErrors: Array<UserError>;
};

export type SafetyIncidentStatus =
  | 'CLOSED'
  | 'OPEN';

/** An editable rule of the pre-filter. Rows are never deleted: a disabled rule keeps its history. */
export type SafetyRule = {
  __typename?: 'SafetyRule';
  category: SafetyCategory;
  createdAt: Scalars['DateTime']['output'];
  /** The admin account that added it; null for the defaults. */
  createdBy?: Maybe<Scalars['ID']['output']>;
  /** The rule-set version that first included it. */
  createdVersion: Scalars['Int']['output'];
  disabledAt?: Maybe<Scalars['DateTime']['output']>;
  disabledBy?: Maybe<Scalars['ID']['output']>;
  /** The first rule-set version without it. */
  disabledVersion?: Maybe<Scalars['Int']['output']>;
  enabled: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  kind: SafetyRuleKind;
  pattern: Scalars['String']['output'];
};

export type SafetyRuleKind =
  /**
   * Two lists of terms, one of each within 8 words: "doctor|nurse + nude|naked". Each term follows the
   * TERM rules.
   */
  | 'PAIR'
  /**
   * A JavaScript regular expression (flag u), tested on the normalised prompt (lower case, leetspeak read,
   * spaced-out words joined), the same with all non-letters removed, and both with repeated letters
   * collapsed.
   */
  | 'PATTERN'
  /**
   * A word or phrase, matched as whole words after normalisation (case, accents, look-alike letters,
   * leetspeak, spacing and repeated letters do not matter). A one-word term may end in * to match words
   * that start with it (porn*).
   */
  | 'TERM';

export type SafetyRulePayload = {
  __typename?: 'SafetyRulePayload';
  rule?: Maybe<SafetyRule>;
  /** The rule-set version this change made (every API process uses it within 5 seconds); null when nothing changed. */
  ruleSetVersion?: Maybe<Scalars['Int']['output']>;
  userErrors: Array<UserError>;
};

/**
 * The trust-and-safety kill switches (the runbook's incident levers). Stored in PostgreSQL with a version;
 * every API process and worker applies a change within 5 seconds, without a restart.
 */
export type SafetySwitches = {
  __typename?: 'SafetySwitches';
  /**
   * While true, clips in which the post-filter saw a face are not delivered: Job.video is null and
   * Job.deliveryHold says why. Turning it off releases them without generating them again.
   */
  holdFaceClips: Scalars['Boolean']['output'];
  /** Why, as given with the last change. */
  reason?: Maybe<Scalars['String']['output']>;
  /** Pre-filter categories refused for everyone: a prompt that comes near one is refused (CATEGORY_SUSPENDED). */
  suspendedCategories: Array<SafetyCategory>;
  /**
   * Every post-filter score threshold (NSFW classes, the NCII co-occurrence gate) is multiplied by this:
   * 1 is as configured, 0.5 blocks at half the score. The likeness match distance is not changed.
   */
  thresholdFactor: Scalars['Float']['output'];
  updatedAt: Scalars['DateTime']['output'];
  /** Who made the last change: an admin's account id. */
  updatedBy?: Maybe<Scalars['String']['output']>;
  /** Grows by one with every change. */
  version: Scalars['Int']['output'];
};

export type SafetySwitchesPayload = {
  __typename?: 'SafetySwitchesPayload';
  switches?: Maybe<SafetySwitches>;
  userErrors: Array<UserError>;
};

/**
 * The scheduler's settings: weighted fair share between the tier lanes, per-account burst caps and FREE
 * admission control. Stored in PostgreSQL with a version; every worker applies a change at its next claim and
 * every API process within 5 seconds.
 */
export type SchedulerConfig = {
  __typename?: 'SchedulerConfig';
  /** Refuse FREE submissions (QUEUE_FULL) whose predicted queue wait exceeds the target. PLUS is never refused. */
  admissionControl: Scalars['Boolean']['output'];
  /** false: plain FIFO over both tiers (the weights are ignored). */
  fairShare: Scalars['Boolean']['output'];
  /** Most RUNNING jobs of one FREE account at once (default 3). */
  freeBurstCap: Scalars['Int']['output'];
  /** The FREE queue-wait target admission control holds to, in seconds (default 15: the p50 SLO). */
  freeQueueWaitTargetSeconds: Scalars['Int']['output'];
  /** Share of claims of the FREE lane while both lanes have work (default 1). */
  freeWeight: Scalars['Float']['output'];
  /** Most RUNNING jobs of one PLUS account at once (default 10). */
  plusBurstCap: Scalars['Int']['output'];
  /** Share of claims of the PLUS lane while both lanes have work (default 2). */
  plusWeight: Scalars['Float']['output'];
  /** Why, as given with the last change. */
  reason?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  /** Who made the last change: an admin's account id, or a component (e.g. auto-mitigation). */
  updatedBy?: Maybe<Scalars['String']['output']>;
  /** Grows by one with every change. */
  version: Scalars['Int']['output'];
};

export type SchedulerConfigPayload = {
  __typename?: 'SchedulerConfigPayload';
  config?: Maybe<SchedulerConfig>;
  userErrors: Array<UserError>;
};

/** The objective: the given percentile must stay under `targetSeconds` (KINEMA_SLO_* variables). */
export type SloObjective = {
  __typename?: 'SloObjective';
  /** 50 or 95. */
  percentile: Scalars['Int']['output'];
  targetSeconds: Scalars['Float']['output'];
};

export type SloReport = {
  __typename?: 'SloReport';
  from: Scalars['DateTime']['output'];
  /** False when any objective measured in the window was missed. */
  met: Scalars['Boolean']['output'];
  /** PLUS, then FREE. */
  tiers: Array<TierSlo>;
  to: Scalars['DateTime']['output'];
  windowSeconds: Scalars['Int']['output'];
};

/**
 * A JPEG grid of `frames` tiles, `columns` across and `rows` down, each `frameWidth` x `frameHeight` pixels,
 * in time order row by row; cells past the last frame are black. Tile i is at
 * x = (i % columns) * frameWidth, y = floor(i / columns) * frameHeight.
 */
export type Spritesheet = {
  __typename?: 'Spritesheet';
  bytes: Scalars['Int']['output'];
  columns: Scalars['Int']['output'];
  frameHeight: Scalars['Int']['output'];
  frameWidth: Scalars['Int']['output'];
  frames: Scalars['Int']['output'];
  provenance?: Maybe<Provenance>;
  rows: Scalars['Int']['output'];
  /** A signed URL, expiring with the clip's (`Video.expiresAt`). */
  url: Scalars['String']['output'];
};

/** An account as staff see it. */
export type StaffAccount = {
  __typename?: 'StaffAccount';
  /** Every key of the account, revoked ones included, newest first (prefixes, never keys or hashes). */
  apiKeys: Array<ApiKey>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  role: Role;
  suspendedAt?: Maybe<Scalars['DateTime']['output']>;
  suspendedReason?: Maybe<Scalars['String']['output']>;
  tier: Tier;
};

export type StaffAccountPayload = {
  __typename?: 'StaffAccountPayload';
  account?: Maybe<StaffAccount>;
  /** Jobs a suspension cancelled (queued ones at once, running ones within a step). */
  cancelledJobs: Scalars['Int']['output'];
  /** REASON_REQUIRED, INVALID_REASON, NOT_FOUND, UNCHANGED, ALREADY_SUSPENDED, NOT_SUSPENDED, SELF_SUSPENSION. */
  userErrors: Array<UserError>;
};

export type StaffApiKeyPayload = {
  __typename?: 'StaffApiKeyPayload';
  apiKey?: Maybe<ApiKey>;
  /** REASON_REQUIRED, INVALID_REASON, NOT_FOUND, KEY_REVOKED. */
  userErrors: Array<UserError>;
};

export type StaffDeleteAccountPayload = {
  __typename?: 'StaffDeleteAccountPayload';
  account?: Maybe<StaffAccount>;
  deletedJobs: Scalars['Int']['output'];
  /** REASON_REQUIRED, INVALID_REASON, NOT_FOUND, ALREADY_DELETED, SELF_DELETION. */
  userErrors: Array<UserError>;
};

/** A job as staff see it: the owner's view, the owner, and what the owner is not shown. */
export type StaffJob = {
  __typename?: 'StaffJob';
  account: StaffAccount;
  attemptHistory: Array<StaffJobAttempt>;
  cancelRequestedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The last attempt's error message as recorded, internal errors' included (owners see a plain sentence). */
  errorMessage?: Maybe<Scalars['String']['output']>;
  job: Job;
  /** The worker holding the job's lease now; null when none does. */
  leaseOwner?: Maybe<Scalars['String']['output']>;
  maxAttempts: Scalars['Int']['output'];
  /** The job's recorded metadata (pre-filter decision, stage times, failures, cancels, retries) as JSON text. */
  metadata: Scalars['String']['output'];
  /** Why the job was taken down, as staff or the re-scan recorded it (the owner never sees this). */
  takedownReason?: Maybe<Scalars['String']['output']>;
  /** The full timeline: worker ids, fencing tokens, rule ids and scores. */
  timeline: Array<StaffJobEvent>;
};

/** One attempt as staff see it. */
export type StaffJobAttempt = {
  __typename?: 'StaffJobAttempt';
  attempt: JobAttempt;
  fencingToken?: Maybe<Scalars['String']['output']>;
  workerId?: Maybe<Scalars['String']['output']>;
};

export type StaffJobConnection = {
  __typename?: 'StaffJobConnection';
  nodes: Array<StaffJob>;
  pageInfo: PageInfo;
};

/** One event as staff see it: the owner's view plus what only staff are shown. */
export type StaffJobEvent = {
  __typename?: 'StaffJobEvent';
  /** The event's full record as JSON text (rule id and rule-set version, scores, backoff, who cancelled). */
  detail: Scalars['String']['output'];
  event: JobEvent;
  fencingToken?: Maybe<Scalars['String']['output']>;
  workerId?: Maybe<Scalars['String']['output']>;
};

/** Jobs across accounts, for support staff. Every field set narrows the search; none: every job. */
export type StaffJobFilter = {
  accountId?: InputMaybe<Scalars['ID']['input']>;
  /** Jobs created at or after this time. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Jobs created before this time. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** The last attempt's error code, e.g. NAN_DETECTED, LEASE_EXPIRED, PROMPT_BLOCKED. */
  errorCode?: InputMaybe<Scalars['String']['input']>;
  /** Words that must all appear in the prompt (whole words, case-insensitive; full-text index). At most 200 characters. */
  promptText?: InputMaybe<Scalars['String']['input']>;
  stage?: InputMaybe<JobStage>;
  status?: InputMaybe<Array<JobStatus>>;
  tier?: InputMaybe<Tier>;
  /** A worker id: the job's current lease holder, or a worker recorded in one of its failed attempts. */
  workerId?: InputMaybe<Scalars['String']['input']>;
};

export type StaffJobPayload = {
  __typename?: 'StaffJobPayload';
  job?: Maybe<StaffJob>;
  /** REASON_REQUIRED, INVALID_REASON, NOT_FOUND, JOB_FINISHED (cancel), NOT_RETRYABLE (retry: only FAILED jobs). */
  userErrors: Array<UserError>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The job's current state first (so a reconnecting client loses nothing), then one event per change,
   * ending with the terminal state.
   */
  jobProgress: JobProgress;
};


export type SubscriptionJobProgressArgs = {
  id: Scalars['ID']['input'];
};

export type TakeDownJobPayload = {
  __typename?: 'TakeDownJobPayload';
  job?: Maybe<StaffJob>;
  /** REASON_REQUIRED, INVALID_REASON, NOT_FOUND, NOT_DELIVERED (only a SUCCEEDED job's clip can be taken down). */
  userErrors: Array<UserError>;
};

export type Tier =
  | 'FREE'
  | 'PLUS';

/** What the caller's tier allows: the server applies these, never the client's choice. */
export type TierLimits = {
  __typename?: 'TierLimits';
  maxDurationSeconds: Scalars['Int']['output'];
  maxResolution: Resolution;
  minDurationSeconds: Scalars['Int']['output'];
  /** The tier's rate limits and quotas, with what the caller has left. */
  rate: RateLimits;
  resolutions: Array<Resolution>;
  /** Denoising steps every job of this tier runs. */
  stepBudget: Scalars['Int']['output'];
};

export type TierSlo = {
  __typename?: 'TierSlo';
  /** From submission to delivery, of jobs that succeeded in the window; objective on p95. */
  endToEnd: LatencySlo;
  /** From submission to the first claim by a worker, of jobs first claimed in the window; objective on p50. */
  queueWait: LatencySlo;
  tier: Tier;
};

/** Leave a tier out to keep its period. */
export type UpdateRetentionInput = {
  freeDays?: InputMaybe<Scalars['Float']['input']>;
  plusDays?: InputMaybe<Scalars['Float']['input']>;
};

export type UpdateRetentionPayload = {
  __typename?: 'UpdateRetentionPayload';
  retention?: Maybe<RetentionConfig>;
  /** REASON_REQUIRED, INVALID_REASON, INVALID_RETENTION (0 to 3650 days). */
  userErrors: Array<UserError>;
};

/** Fields left out stay as they are. */
export type UpdateSafetySwitchesInput = {
  holdFaceClips?: InputMaybe<Scalars['Boolean']['input']>;
  /** Recorded with the change (audit_log) and logged. */
  reason?: InputMaybe<Scalars['String']['input']>;
  /** The whole list in force after the change (an empty list lifts every suspension). */
  suspendedCategories?: InputMaybe<Array<SafetyCategory>>;
  /** 0.1 to 1. */
  thresholdFactor?: InputMaybe<Scalars['Float']['input']>;
};

/** Fields left out stay as they are. */
export type UpdateSchedulerConfigInput = {
  admissionControl?: InputMaybe<Scalars['Boolean']['input']>;
  fairShare?: InputMaybe<Scalars['Boolean']['input']>;
  /** 1 to 10000. */
  freeBurstCap?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 86400. */
  freeQueueWaitTargetSeconds?: InputMaybe<Scalars['Int']['input']>;
  /** 0.01 to 1000. */
  freeWeight?: InputMaybe<Scalars['Float']['input']>;
  /** 1 to 10000. */
  plusBurstCap?: InputMaybe<Scalars['Int']['input']>;
  /** 0.01 to 1000. */
  plusWeight?: InputMaybe<Scalars['Float']['input']>;
  /** Recorded with the change and logged. */
  reason?: InputMaybe<Scalars['String']['input']>;
};

/** Fields left out stay as they are. Every limit is an integer from 1 to 1000000. */
export type UpdateUsageLimitsInput = {
  freeGenerationsPerDay?: InputMaybe<Scalars['Int']['input']>;
  freeQueuedJobs?: InputMaybe<Scalars['Int']['input']>;
  freeSubmissionsPerMinute?: InputMaybe<Scalars['Int']['input']>;
  plusGenerationsPerDay?: InputMaybe<Scalars['Int']['input']>;
  plusQueuedJobs?: InputMaybe<Scalars['Int']['input']>;
  plusSubmissionsPerMinute?: InputMaybe<Scalars['Int']['input']>;
  /** Recorded with the change (audit log) and logged. */
  reason?: InputMaybe<Scalars['String']['input']>;
};

/** The caller's usage over a window: jobs created in it, the GPU time they used and its cost. */
export type Usage = {
  __typename?: 'Usage';
  byStatus: Array<JobStatusCount>;
  /** gpuSeconds at the configured GPU price. */
  costDollars: Scalars['Float']['output'];
  from: Scalars['DateTime']['output'];
  /** The GPU price used, dollars per GPU-hour (KINEMA_GPU_HOURLY_COST). */
  gpuHourlyCost: Scalars['Float']['output'];
  /** GPU-seconds the window's finished jobs used (cache hits and jobs that never ran count 0). */
  gpuSeconds: Scalars['Float']['output'];
  /** Jobs created in the window. */
  jobs: Scalars['Int']['output'];
  /** The limits in force now, with what is left. */
  limits: RateLimits;
  to: Scalars['DateTime']['output'];
  window: UsageWindow;
};

/** One of the caller's limits and how much of it is left now. */
export type UsageLimit = {
  __typename?: 'UsageLimit';
  /** minute: accepted submissions per minute (cache hits too, blocked prompts not); day: generations per day (EXPIRED not counted); queued: jobs queued at once. */
  name: Scalars['String']['output'];
  /** The limit. */
  quota: Scalars['Int']['output'];
  remaining: Scalars['Int']['output'];
  /** Seconds until the oldest counted use leaves the window (a unit comes back); null when nothing is counted. */
  resetSeconds?: Maybe<Scalars['Int']['output']>;
  used: Scalars['Int']['output'];
  /** The sliding window in seconds (60, 86400); null for the queued-jobs limit. */
  windowSeconds?: Maybe<Scalars['Int']['output']>;
};

/** Every tier's limits, as stored (version grows by one with every change). */
export type UsageLimitsConfig = {
  __typename?: 'UsageLimitsConfig';
  free: RateLimitSettings;
  plus: RateLimitSettings;
  reason?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  updatedBy?: Maybe<Scalars['String']['output']>;
  version: Scalars['Int']['output'];
};

export type UsageLimitsPayload = {
  __typename?: 'UsageLimitsPayload';
  config?: Maybe<UsageLimitsConfig>;
  userErrors: Array<UserError>;
};

export type UsageWindow =
  /** The last 24 hours. */
  | 'DAY'
  /** The last hour. */
  | 'HOUR'
  /** The last 30 days. */
  | 'MONTH'
  /** The last 7 days. */
  | 'WEEK';

/**
 * An expected failure of a mutation, returned beside its result instead of thrown: `code` is stable for
 * programs, `message` is for people, `field` is the path of the input it concerns.
 */
export type UserError = {
  __typename?: 'UserError';
  code: Scalars['String']['output'];
  field?: Maybe<Array<Scalars['String']['output']>>;
  message: Scalars['String']['output'];
  /** QUEUE_FULL, RATE_LIMITED, QUOTA_EXCEEDED: seconds after which a retry is likely to be admitted; null otherwise. */
  retryAfterSeconds?: Maybe<Scalars['Int']['output']>;
};

export type Video = {
  __typename?: 'Video';
  bytes: Scalars['Int']['output'];
  expiresAt: Scalars['DateTime']['output'];
  fps: Scalars['Int']['output'];
  frames: Scalars['Int']['output'];
  height: Scalars['Int']['output'];
  /** The poster's size and content credentials. */
  poster?: Maybe<Poster>;
  /** A signed URL of the poster: a JPEG frame of the clip at its size (the scanned frame nearest a third of the way in). Null for clips delivered before posters existed. */
  posterUrl?: Maybe<Scalars['String']['output']>;
  /** The clip's C2PA content credentials, as verified before it was delivered. */
  provenance?: Maybe<Provenance>;
  /**
   * When the clip and its variants are removed under the account's tier retention (`retentionConfig`, by
   * default FREE 7 days and PLUS 30 days after the job finished); null when kept until deleted. Not the
   * same as `expiresAt`, which is when this signed URL stops working.
   */
  retainedUntil?: Maybe<Scalars['DateTime']['output']>;
  /** A grid of evenly spaced frames of the clip, for scrubbing previews. Null for clips delivered before spritesheets existed. */
  spritesheet?: Maybe<Spritesheet>;
  /** A signed URL; fetch it before `expiresAt`, then ask for the job again for a fresh one. */
  url: Scalars['String']['output'];
  width: Scalars['Int']['output'];
};

/** One try at sending a delivery. */
export type WebhookAttempt = {
  __typename?: 'WebhookAttempt';
  attemptedAt: Scalars['DateTime']['output'];
  error?: Maybe<Scalars['String']['output']>;
  latencyMs: Scalars['Int']['output'];
  /** The receiver's HTTP status; null when it could not be reached. */
  responseStatus?: Maybe<Scalars['Int']['output']>;
  succeeded: Scalars['Boolean']['output'];
};

/** One event for one endpoint (or a job's one-off URL); `id` is its `webhook-id`, the same on every attempt. */
export type WebhookDelivery = {
  __typename?: 'WebhookDelivery';
  attemptLog: Array<WebhookAttempt>;
  attempts: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  deliveredAt?: Maybe<Scalars['DateTime']['output']>;
  endpointId?: Maybe<Scalars['ID']['output']>;
  event: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  jobId?: Maybe<Scalars['ID']['output']>;
  lastError?: Maybe<Scalars['String']['output']>;
  nextAttemptAt?: Maybe<Scalars['DateTime']['output']>;
  /** PENDING (due or waiting for a retry), DELIVERED, FAILED (retries spent, or the endpoint is disabled). */
  state: Scalars['String']['output'];
  /** The job's one-off URL; null for an endpoint's delivery. */
  url?: Maybe<Scalars['String']['output']>;
};

export type WebhookDeliveryPayload = {
  __typename?: 'WebhookDeliveryPayload';
  delivery?: Maybe<WebhookDelivery>;
  userErrors: Array<UserError>;
};

/**
 * An HTTPS (or HTTP) endpoint of the caller's that receives job events, signed per the Standard Webhooks
 * specification (headers `webhook-id`, `webhook-timestamp`, `webhook-signature`). The signing secret
 * (`whsec_...`) is shown only when the endpoint is created and when it is rotated.
 */
export type WebhookEndpoint = {
  __typename?: 'WebhookEndpoint';
  createdAt: Scalars['DateTime']['output'];
  description: Scalars['String']['output'];
  disabledAt?: Maybe<Scalars['DateTime']['output']>;
  /** Why the endpoint stopped receiving events (failing for a day, or disabled by its owner); null while enabled. */
  disabledReason?: Maybe<Scalars['String']['output']>;
  enabled: Scalars['Boolean']['output'];
  /** Subscribed events: job.started, job.progress, job.succeeded, job.failed, job.blocked, job.cancelled, job.expired, job.taken_down. */
  events: Array<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** While a rotated-out secret still signs beside the new one: until when. */
  previousSecretExpiresAt?: Maybe<Scalars['DateTime']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  url: Scalars['String']['output'];
};

export type WebhookEndpointPayload = {
  __typename?: 'WebhookEndpointPayload';
  endpoint?: Maybe<WebhookEndpoint>;
  /** The signing secret, returned only by create and rotate: store it now. */
  secret?: Maybe<Scalars['String']['output']>;
  /** INVALID_URL (not http(s), or a private, loopback or link-local address), INVALID_EVENTS, INVALID_DESCRIPTION, ENDPOINT_LIMIT, NOT_FOUND, INVALID_GRACE_PERIOD. */
  userErrors: Array<UserError>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Account: ResolverTypeWrapper<AccountModel>;
  AccountUsage: ResolverTypeWrapper<AccountUsage>;
  AddHashBankEntryInput: AddHashBankEntryInput;
  AddSafetyRuleInput: AddSafetyRuleInput;
  Alarm: ResolverTypeWrapper<Alarm>;
  AlarmState: AlarmState;
  ApiKey: ResolverTypeWrapper<ApiKeyRecord>;
  AuditEntry: ResolverTypeWrapper<AuditRecord>;
  AuditLogConnection: ResolverTypeWrapper<Omit<AuditLogConnection, 'nodes'> & { nodes: Array<ResolversTypes['AuditEntry']> }>;
  AuditLogFilter: AuditLogFilter;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CancelJobPayload: ResolverTypeWrapper<Omit<CancelJobPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  CreateApiKeyInput: CreateApiKeyInput;
  CreateApiKeyPayload: ResolverTypeWrapper<Omit<CreateApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversTypes['ApiKey']> }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeleteAccountPayload: ResolverTypeWrapper<DeleteAccountPayload>;
  DeleteJobPayload: ResolverTypeWrapper<Omit<DeleteJobPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  DeleteWebhookEndpointPayload: ResolverTypeWrapper<DeleteWebhookEndpointPayload>;
  DeliveryHold: ResolverTypeWrapper<DeliveryHold>;
  FleetPlan: ResolverTypeWrapper<FleetPlan>;
  FleetPlanInput: FleetPlanInput;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  GenerateVideoInput: GenerateVideoInput;
  GenerateVideoPayload: ResolverTypeWrapper<Omit<GenerateVideoPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  GpuSecondsSource: GpuSecondsSource;
  HashBankEntry: ResolverTypeWrapper<HashBankRecord>;
  HashBankEntryPayload: ResolverTypeWrapper<Omit<HashBankEntryPayload, 'entry'> & { entry?: Maybe<ResolversTypes['HashBankEntry']> }>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Job: ResolverTypeWrapper<JobRecord>;
  JobAttempt: ResolverTypeWrapper<JobAttempt>;
  JobConnection: ResolverTypeWrapper<Omit<JobConnection, 'edges' | 'nodes'> & { edges: Array<ResolversTypes['JobEdge']>, nodes: Array<ResolversTypes['Job']> }>;
  JobEdge: ResolverTypeWrapper<Omit<JobEdge, 'node'> & { node: ResolversTypes['Job'] }>;
  JobError: ResolverTypeWrapper<JobError>;
  JobEvent: ResolverTypeWrapper<JobEvent>;
  JobEventKind: JobEventKind;
  JobFilter: JobFilter;
  JobProgress: ResolverTypeWrapper<JobProgressEvent>;
  JobStage: JobStage;
  JobStatus: JobStatus;
  JobStatusCount: ResolverTypeWrapper<JobStatusCount>;
  LatencySlo: ResolverTypeWrapper<LatencySlo>;
  ModelCard: ResolverTypeWrapper<ModelCard>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  OutputRemovalReason: OutputRemovalReason;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Poster: ResolverTypeWrapper<Poster>;
  Provenance: ResolverTypeWrapper<Provenance>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RateLimitSettings: ResolverTypeWrapper<RateLimitSettings>;
  RateLimits: ResolverTypeWrapper<RateLimits>;
  RegenerationRateDay: ResolverTypeWrapper<RegenerationRateDay>;
  RegenerationReport: ResolverTypeWrapper<RegenerationReport>;
  Resolution: Resolution;
  RetentionConfig: ResolverTypeWrapper<RetentionConfig>;
  RevokeApiKeyPayload: ResolverTypeWrapper<Omit<RevokeApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversTypes['ApiKey']> }>;
  Role: Role;
  RotateApiKeyPayload: ResolverTypeWrapper<Omit<RotateApiKeyPayload, 'apiKey' | 'replaced'> & { apiKey?: Maybe<ResolversTypes['ApiKey']>, replaced?: Maybe<ResolversTypes['ApiKey']> }>;
  SafetyCategory: SafetyCategory;
  SafetyIncident: ResolverTypeWrapper<SafetyIncidentRecord>;
  SafetyIncidentPayload: ResolverTypeWrapper<Omit<SafetyIncidentPayload, 'incident'> & { incident?: Maybe<ResolversTypes['SafetyIncident']> }>;
  SafetyIncidentStatus: SafetyIncidentStatus;
  SafetyRule: ResolverTypeWrapper<SafetyRuleRecord>;
  SafetyRuleKind: SafetyRuleKind;
  SafetyRulePayload: ResolverTypeWrapper<Omit<SafetyRulePayload, 'rule'> & { rule?: Maybe<ResolversTypes['SafetyRule']> }>;
  SafetySwitches: ResolverTypeWrapper<SafetySwitches>;
  SafetySwitchesPayload: ResolverTypeWrapper<SafetySwitchesPayload>;
  SchedulerConfig: ResolverTypeWrapper<SchedulerConfig>;
  SchedulerConfigPayload: ResolverTypeWrapper<SchedulerConfigPayload>;
  SloObjective: ResolverTypeWrapper<SloObjective>;
  SloReport: ResolverTypeWrapper<SloReport>;
  Spritesheet: ResolverTypeWrapper<Spritesheet>;
  StaffAccount: ResolverTypeWrapper<StaffAccountRecord>;
  StaffAccountPayload: ResolverTypeWrapper<Omit<StaffAccountPayload, 'account'> & { account?: Maybe<ResolversTypes['StaffAccount']> }>;
  StaffApiKeyPayload: ResolverTypeWrapper<Omit<StaffApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversTypes['ApiKey']> }>;
  StaffDeleteAccountPayload: ResolverTypeWrapper<Omit<StaffDeleteAccountPayload, 'account'> & { account?: Maybe<ResolversTypes['StaffAccount']> }>;
  StaffJob: ResolverTypeWrapper<JobRecord>;
  StaffJobAttempt: ResolverTypeWrapper<StaffJobAttempt>;
  StaffJobConnection: ResolverTypeWrapper<Omit<StaffJobConnection, 'nodes'> & { nodes: Array<ResolversTypes['StaffJob']> }>;
  StaffJobEvent: ResolverTypeWrapper<StaffJobEvent>;
  StaffJobFilter: StaffJobFilter;
  StaffJobPayload: ResolverTypeWrapper<Omit<StaffJobPayload, 'job'> & { job?: Maybe<ResolversTypes['StaffJob']> }>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TakeDownJobPayload: ResolverTypeWrapper<Omit<TakeDownJobPayload, 'job'> & { job?: Maybe<ResolversTypes['StaffJob']> }>;
  Tier: Tier;
  TierLimits: ResolverTypeWrapper<TierLimits>;
  TierSlo: ResolverTypeWrapper<TierSlo>;
  UpdateRetentionInput: UpdateRetentionInput;
  UpdateRetentionPayload: ResolverTypeWrapper<UpdateRetentionPayload>;
  UpdateSafetySwitchesInput: UpdateSafetySwitchesInput;
  UpdateSchedulerConfigInput: UpdateSchedulerConfigInput;
  UpdateUsageLimitsInput: UpdateUsageLimitsInput;
  Usage: ResolverTypeWrapper<Usage>;
  UsageLimit: ResolverTypeWrapper<UsageLimit>;
  UsageLimitsConfig: ResolverTypeWrapper<UsageLimitsConfig>;
  UsageLimitsPayload: ResolverTypeWrapper<UsageLimitsPayload>;
  UsageWindow: UsageWindow;
  UserError: ResolverTypeWrapper<UserError>;
  Video: ResolverTypeWrapper<Video>;
  WebhookAttempt: ResolverTypeWrapper<WebhookAttempt>;
  WebhookDelivery: ResolverTypeWrapper<WebhookDeliveryRecord>;
  WebhookDeliveryPayload: ResolverTypeWrapper<Omit<WebhookDeliveryPayload, 'delivery'> & { delivery?: Maybe<ResolversTypes['WebhookDelivery']> }>;
  WebhookEndpoint: ResolverTypeWrapper<WebhookEndpointRecord>;
  WebhookEndpointPayload: ResolverTypeWrapper<Omit<WebhookEndpointPayload, 'endpoint'> & { endpoint?: Maybe<ResolversTypes['WebhookEndpoint']> }>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Account: AccountModel;
  AccountUsage: AccountUsage;
  AddHashBankEntryInput: AddHashBankEntryInput;
  AddSafetyRuleInput: AddSafetyRuleInput;
  Alarm: Alarm;
  ApiKey: ApiKeyRecord;
  AuditEntry: AuditRecord;
  AuditLogConnection: Omit<AuditLogConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['AuditEntry']> };
  AuditLogFilter: AuditLogFilter;
  Boolean: Scalars['Boolean']['output'];
  CancelJobPayload: Omit<CancelJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  CreateApiKeyInput: CreateApiKeyInput;
  CreateApiKeyPayload: Omit<CreateApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversParentTypes['ApiKey']> };
  DateTime: Scalars['DateTime']['output'];
  DeleteAccountPayload: DeleteAccountPayload;
  DeleteJobPayload: Omit<DeleteJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  DeleteWebhookEndpointPayload: DeleteWebhookEndpointPayload;
  DeliveryHold: DeliveryHold;
  FleetPlan: FleetPlan;
  FleetPlanInput: FleetPlanInput;
  Float: Scalars['Float']['output'];
  GenerateVideoInput: GenerateVideoInput;
  GenerateVideoPayload: Omit<GenerateVideoPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  HashBankEntry: HashBankRecord;
  HashBankEntryPayload: Omit<HashBankEntryPayload, 'entry'> & { entry?: Maybe<ResolversParentTypes['HashBankEntry']> };
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Job: JobRecord;
  JobAttempt: JobAttempt;
  JobConnection: Omit<JobConnection, 'edges' | 'nodes'> & { edges: Array<ResolversParentTypes['JobEdge']>, nodes: Array<ResolversParentTypes['Job']> };
  JobEdge: Omit<JobEdge, 'node'> & { node: ResolversParentTypes['Job'] };
  JobError: JobError;
  JobEvent: JobEvent;
  JobFilter: JobFilter;
  JobProgress: JobProgressEvent;
  JobStatusCount: JobStatusCount;
  LatencySlo: LatencySlo;
  ModelCard: ModelCard;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Poster: Poster;
  Provenance: Provenance;
  Query: Record<PropertyKey, never>;
  RateLimitSettings: RateLimitSettings;
  RateLimits: RateLimits;
  RegenerationRateDay: RegenerationRateDay;
  RegenerationReport: RegenerationReport;
  RetentionConfig: RetentionConfig;
  RevokeApiKeyPayload: Omit<RevokeApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversParentTypes['ApiKey']> };
  RotateApiKeyPayload: Omit<RotateApiKeyPayload, 'apiKey' | 'replaced'> & { apiKey?: Maybe<ResolversParentTypes['ApiKey']>, replaced?: Maybe<ResolversParentTypes['ApiKey']> };
  SafetyIncident: SafetyIncidentRecord;
  SafetyIncidentPayload: Omit<SafetyIncidentPayload, 'incident'> & { incident?: Maybe<ResolversParentTypes['SafetyIncident']> };
  SafetyRule: SafetyRuleRecord;
  SafetyRulePayload: Omit<SafetyRulePayload, 'rule'> & { rule?: Maybe<ResolversParentTypes['SafetyRule']> };
  SafetySwitches: SafetySwitches;
  SafetySwitchesPayload: SafetySwitchesPayload;
  SchedulerConfig: SchedulerConfig;
  SchedulerConfigPayload: SchedulerConfigPayload;
  SloObjective: SloObjective;
  SloReport: SloReport;
  Spritesheet: Spritesheet;
  StaffAccount: StaffAccountRecord;
  StaffAccountPayload: Omit<StaffAccountPayload, 'account'> & { account?: Maybe<ResolversParentTypes['StaffAccount']> };
  StaffApiKeyPayload: Omit<StaffApiKeyPayload, 'apiKey'> & { apiKey?: Maybe<ResolversParentTypes['ApiKey']> };
  StaffDeleteAccountPayload: Omit<StaffDeleteAccountPayload, 'account'> & { account?: Maybe<ResolversParentTypes['StaffAccount']> };
  StaffJob: JobRecord;
  StaffJobAttempt: StaffJobAttempt;
  StaffJobConnection: Omit<StaffJobConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['StaffJob']> };
  StaffJobEvent: StaffJobEvent;
  StaffJobFilter: StaffJobFilter;
  StaffJobPayload: Omit<StaffJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['StaffJob']> };
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  TakeDownJobPayload: Omit<TakeDownJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['StaffJob']> };
  TierLimits: TierLimits;
  TierSlo: TierSlo;
  UpdateRetentionInput: UpdateRetentionInput;
  UpdateRetentionPayload: UpdateRetentionPayload;
  UpdateSafetySwitchesInput: UpdateSafetySwitchesInput;
  UpdateSchedulerConfigInput: UpdateSchedulerConfigInput;
  UpdateUsageLimitsInput: UpdateUsageLimitsInput;
  Usage: Usage;
  UsageLimit: UsageLimit;
  UsageLimitsConfig: UsageLimitsConfig;
  UsageLimitsPayload: UsageLimitsPayload;
  UserError: UserError;
  Video: Video;
  WebhookAttempt: WebhookAttempt;
  WebhookDelivery: WebhookDeliveryRecord;
  WebhookDeliveryPayload: Omit<WebhookDeliveryPayload, 'delivery'> & { delivery?: Maybe<ResolversParentTypes['WebhookDelivery']> };
  WebhookEndpoint: WebhookEndpointRecord;
  WebhookEndpointPayload: Omit<WebhookEndpointPayload, 'endpoint'> & { endpoint?: Maybe<ResolversParentTypes['WebhookEndpoint']> };
}>;

export type AccountResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Account'] = ResolversParentTypes['Account']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  limits?: Resolver<ResolversTypes['TierLimits'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['Tier'], ParentType, ContextType>;
  usage?: Resolver<ResolversTypes['Usage'], ParentType, ContextType, RequireFields<AccountUsageArgs, 'window'>>;
}>;

export type AccountUsageResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AccountUsage'] = ResolversParentTypes['AccountUsage']> = ResolversObject<{
  accountId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  byStatus?: Resolver<Array<ResolversTypes['JobStatusCount']>, ParentType, ContextType>;
  from?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  gpuSeconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  jobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type AlarmResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Alarm'] = ResolversParentTypes['Alarm']> = ResolversObject<{
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  evaluatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  since?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['AlarmState'], ParentType, ContextType>;
  threshold?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
}>;

export type ApiKeyResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = ResolversObject<{
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  current?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
}>;

export type AuditEntryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditEntry'] = ResolversParentTypes['AuditEntry']> = ResolversObject<{
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actorAccountId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  actorRole?: Resolver<Maybe<ResolversTypes['Role']>, ParentType, ContextType>;
  after?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  before?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  targetId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  targetType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type AuditLogConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AuditLogConnection'] = ResolversParentTypes['AuditLogConnection']> = ResolversObject<{
  nodes?: Resolver<Array<ResolversTypes['AuditEntry']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type CancelJobPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CancelJobPayload'] = ResolversParentTypes['CancelJobPayload']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type CreateApiKeyPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CreateApiKeyPayload'] = ResolversParentTypes['CreateApiKeyPayload']> = ResolversObject<{
  apiKey?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  key?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeleteAccountPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteAccountPayload'] = ResolversParentTypes['DeleteAccountPayload']> = ResolversObject<{
  deletedJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type DeleteJobPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteJobPayload'] = ResolversParentTypes['DeleteJobPayload']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type DeleteWebhookEndpointPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteWebhookEndpointPayload'] = ResolversParentTypes['DeleteWebhookEndpointPayload']> = ResolversObject<{
  deletedId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type DeliveryHoldResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeliveryHold'] = ResolversParentTypes['DeliveryHold']> = ResolversObject<{
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type FleetPlanResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['FleetPlan'] = ResolversParentTypes['FleetPlan']> = ResolversObject<{
  bottleneck?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  busyGpus?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  costPerClipDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  costPerClipWithOverheadDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  costPerRequestDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  costPerRequestWithOverheadDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  effectiveArrivalRatePerSecond?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  effectiveGpuSecondsPerClip?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  failureWastePerHourWithCheckpointsDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  failureWastePerHourWithoutCheckpointsDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  failuresPerHour?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  gpuSecondsPerClip?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  gpuSecondsPerClipSource?: Resolver<ResolversTypes['GpuSecondsSource'], ParentType, ContextType>;
  gpusNeeded?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  hourlyBurnDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  hourlyBurnWithOverheadDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  measuredSamples?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  monthlyBurnDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  monthlyBurnWithOverheadDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type GenerateVideoPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['GenerateVideoPayload'] = ResolversParentTypes['GenerateVideoPayload']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
  webhookSecret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type HashBankEntryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['HashBankEntry'] = ResolversParentTypes['HashBankEntry']> = ResolversObject<{
  addedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  addedBy?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  category?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  disabledAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  disabledBy?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  disabledReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  enabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quality?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  source?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type HashBankEntryPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['HashBankEntryPayload'] = ResolversParentTypes['HashBankEntryPayload']> = ResolversObject<{
  entry?: Resolver<Maybe<ResolversTypes['HashBankEntry']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type JobResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Job'] = ResolversParentTypes['Job']> = ResolversObject<{
  attemptHistory?: Resolver<Array<ResolversTypes['JobAttempt']>, ParentType, ContextType>;
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  cacheHit?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  costDollars?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  deadlineAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  deletedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  deliveryHold?: Resolver<Maybe<ResolversTypes['DeliveryHold']>, ParentType, ContextType>;
  durationSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['JobError']>, ParentType, ContextType>;
  etaSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  fps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  gpuSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  negativePrompt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  outputsRemovedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  outputsRemovedReason?: Resolver<Maybe<ResolversTypes['OutputRemovalReason']>, ParentType, ContextType>;
  prompt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  queuePosition?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  resolution?: Resolver<ResolversTypes['Resolution'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['JobStage'], ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
  stepBudget?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stepsCompleted?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['Tier'], ParentType, ContextType>;
  timeInSystemSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  timeline?: Resolver<Array<ResolversTypes['JobEvent']>, ParentType, ContextType>;
  video?: Resolver<Maybe<ResolversTypes['Video']>, ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type JobAttemptResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobAttempt'] = ResolversParentTypes['JobAttempt']> = ResolversObject<{
  endedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  number?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  startedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  stepsCompleted?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type JobConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobConnection'] = ResolversParentTypes['JobConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['JobEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Job']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type JobEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobEdge'] = ResolversParentTypes['JobEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
}>;

export type JobErrorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobError'] = ResolversParentTypes['JobError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type JobEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobEvent'] = ResolversParentTypes['JobEvent']> = ResolversObject<{
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  attempt?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  durationSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['JobEventKind'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  stage?: Resolver<Maybe<ResolversTypes['JobStage']>, ParentType, ContextType>;
  step?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
}>;

export type JobProgressResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobProgress'] = ResolversParentTypes['JobProgress']> = ResolversObject<{
  etaSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
  previewUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  queuePosition?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  stage?: Resolver<ResolversTypes['JobStage'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
  step?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalSteps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type JobStatusCountResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['JobStatusCount'] = ResolversParentTypes['JobStatusCount']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
}>;

export type LatencySloResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['LatencySlo'] = ResolversParentTypes['LatencySlo']> = ResolversObject<{
  met?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  objective?: Resolver<ResolversTypes['SloObjective'], ParentType, ContextType>;
  p50Seconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p95Seconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  samples?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ModelCardResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ModelCard'] = ResolversParentTypes['ModelCard']> = ResolversObject<{
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  examplePrompts?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  trained?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  addHashBankEntry?: Resolver<ResolversTypes['HashBankEntryPayload'], ParentType, ContextType, RequireFields<MutationAddHashBankEntryArgs, 'input'>>;
  addSafetyRule?: Resolver<ResolversTypes['SafetyRulePayload'], ParentType, ContextType, RequireFields<MutationAddSafetyRuleArgs, 'input'>>;
  annotateSafetyIncident?: Resolver<ResolversTypes['SafetyIncidentPayload'], ParentType, ContextType, RequireFields<MutationAnnotateSafetyIncidentArgs, 'close' | 'id'>>;
  cancelJob?: Resolver<ResolversTypes['CancelJobPayload'], ParentType, ContextType, RequireFields<MutationCancelJobArgs, 'id'>>;
  createApiKey?: Resolver<ResolversTypes['CreateApiKeyPayload'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'input'>>;
  createWebhookEndpoint?: Resolver<ResolversTypes['WebhookEndpointPayload'], ParentType, ContextType, RequireFields<MutationCreateWebhookEndpointArgs, 'events' | 'url'>>;
  deleteAccount?: Resolver<ResolversTypes['DeleteAccountPayload'], ParentType, ContextType, RequireFields<MutationDeleteAccountArgs, 'confirm'>>;
  deleteJob?: Resolver<ResolversTypes['DeleteJobPayload'], ParentType, ContextType, RequireFields<MutationDeleteJobArgs, 'id'>>;
  deleteWebhookEndpoint?: Resolver<ResolversTypes['DeleteWebhookEndpointPayload'], ParentType, ContextType, RequireFields<MutationDeleteWebhookEndpointArgs, 'id'>>;
  disableHashBankEntry?: Resolver<ResolversTypes['HashBankEntryPayload'], ParentType, ContextType, RequireFields<MutationDisableHashBankEntryArgs, 'id'>>;
  disableSafetyRule?: Resolver<ResolversTypes['SafetyRulePayload'], ParentType, ContextType, RequireFields<MutationDisableSafetyRuleArgs, 'id'>>;
  disableWebhookEndpoint?: Resolver<ResolversTypes['WebhookEndpointPayload'], ParentType, ContextType, RequireFields<MutationDisableWebhookEndpointArgs, 'id'>>;
  generateVideo?: Resolver<ResolversTypes['GenerateVideoPayload'], ParentType, ContextType, RequireFields<MutationGenerateVideoArgs, 'input'>>;
  reactivateAccount?: Resolver<ResolversTypes['StaffAccountPayload'], ParentType, ContextType, RequireFields<MutationReactivateAccountArgs, 'accountId' | 'reason'>>;
  redeliverWebhook?: Resolver<ResolversTypes['WebhookDeliveryPayload'], ParentType, ContextType, RequireFields<MutationRedeliverWebhookArgs, 'deliveryId'>>;
  revokeApiKey?: Resolver<ResolversTypes['RevokeApiKeyPayload'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  rotateApiKey?: Resolver<ResolversTypes['RotateApiKeyPayload'], ParentType, ContextType, RequireFields<MutationRotateApiKeyArgs, 'gracePeriodSeconds' | 'id'>>;
  rotateWebhookSecret?: Resolver<ResolversTypes['WebhookEndpointPayload'], ParentType, ContextType, RequireFields<MutationRotateWebhookSecretArgs, 'gracePeriodSeconds' | 'id'>>;
  sendTestWebhook?: Resolver<ResolversTypes['WebhookDeliveryPayload'], ParentType, ContextType, RequireFields<MutationSendTestWebhookArgs, 'endpointId'>>;
  setAccountTier?: Resolver<ResolversTypes['StaffAccountPayload'], ParentType, ContextType, RequireFields<MutationSetAccountTierArgs, 'accountId' | 'reason' | 'tier'>>;
  staffCancelJob?: Resolver<ResolversTypes['StaffJobPayload'], ParentType, ContextType, RequireFields<MutationStaffCancelJobArgs, 'id' | 'reason'>>;
  staffDeleteAccount?: Resolver<ResolversTypes['StaffDeleteAccountPayload'], ParentType, ContextType, RequireFields<MutationStaffDeleteAccountArgs, 'accountId' | 'reason'>>;
  staffRetryJob?: Resolver<ResolversTypes['StaffJobPayload'], ParentType, ContextType, RequireFields<MutationStaffRetryJobArgs, 'id' | 'reason'>>;
  staffRevokeApiKey?: Resolver<ResolversTypes['StaffApiKeyPayload'], ParentType, ContextType, RequireFields<MutationStaffRevokeApiKeyArgs, 'id' | 'reason'>>;
  suspendAccount?: Resolver<ResolversTypes['StaffAccountPayload'], ParentType, ContextType, RequireFields<MutationSuspendAccountArgs, 'accountId' | 'reason'>>;
  takeDownJob?: Resolver<ResolversTypes['TakeDownJobPayload'], ParentType, ContextType, RequireFields<MutationTakeDownJobArgs, 'id' | 'reason'>>;
  updateRetention?: Resolver<ResolversTypes['UpdateRetentionPayload'], ParentType, ContextType, RequireFields<MutationUpdateRetentionArgs, 'input' | 'reason'>>;
  updateSafetySwitches?: Resolver<ResolversTypes['SafetySwitchesPayload'], ParentType, ContextType, RequireFields<MutationUpdateSafetySwitchesArgs, 'input'>>;
  updateSchedulerConfig?: Resolver<ResolversTypes['SchedulerConfigPayload'], ParentType, ContextType, RequireFields<MutationUpdateSchedulerConfigArgs, 'input'>>;
  updateUsageLimits?: Resolver<ResolversTypes['UsageLimitsPayload'], ParentType, ContextType, RequireFields<MutationUpdateUsageLimitsArgs, 'input'>>;
  updateWebhookEndpoint?: Resolver<ResolversTypes['WebhookEndpointPayload'], ParentType, ContextType, RequireFields<MutationUpdateWebhookEndpointArgs, 'id'>>;
}>;

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type PosterResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Poster'] = ResolversParentTypes['Poster']> = ResolversObject<{
  bytes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  provenance?: Resolver<Maybe<ResolversTypes['Provenance']>, ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ProvenanceResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Provenance'] = ResolversParentTypes['Provenance']> = ResolversObject<{
  actions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  claimGenerator?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  issuer?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  signedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  accountUsage?: Resolver<ResolversTypes['AccountUsage'], ParentType, ContextType, RequireFields<QueryAccountUsageArgs, 'accountId' | 'from' | 'to'>>;
  alarms?: Resolver<Array<ResolversTypes['Alarm']>, ParentType, ContextType>;
  apiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType, RequireFields<QueryApiKeysArgs, 'includeRevoked'>>;
  auditLog?: Resolver<ResolversTypes['AuditLogConnection'], ParentType, ContextType, RequireFields<QueryAuditLogArgs, 'first'>>;
  fleetPlan?: Resolver<ResolversTypes['FleetPlan'], ParentType, ContextType, RequireFields<QueryFleetPlanArgs, 'input'>>;
  hashBankEntries?: Resolver<Array<ResolversTypes['HashBankEntry']>, ParentType, ContextType, RequireFields<QueryHashBankEntriesArgs, 'first' | 'includeDisabled'>>;
  hashBankVersion?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType, RequireFields<QueryJobArgs, 'id'>>;
  jobs?: Resolver<ResolversTypes['JobConnection'], ParentType, ContextType, RequireFields<QueryJobsArgs, 'first'>>;
  me?: Resolver<ResolversTypes['Account'], ParentType, ContextType>;
  model?: Resolver<Maybe<ResolversTypes['ModelCard']>, ParentType, ContextType>;
  regenerationRate?: Resolver<ResolversTypes['RegenerationReport'], ParentType, ContextType, RequireFields<QueryRegenerationRateArgs, 'from' | 'to'>>;
  retentionConfig?: Resolver<ResolversTypes['RetentionConfig'], ParentType, ContextType>;
  safetyIncidents?: Resolver<Array<ResolversTypes['SafetyIncident']>, ParentType, ContextType, RequireFields<QuerySafetyIncidentsArgs, 'from' | 'to'>>;
  safetyRuleSetVersion?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  safetyRules?: Resolver<Array<ResolversTypes['SafetyRule']>, ParentType, ContextType, RequireFields<QuerySafetyRulesArgs, 'includeDisabled'>>;
  safetySwitches?: Resolver<ResolversTypes['SafetySwitches'], ParentType, ContextType>;
  schedulerConfig?: Resolver<ResolversTypes['SchedulerConfig'], ParentType, ContextType>;
  sloReport?: Resolver<ResolversTypes['SloReport'], ParentType, ContextType, RequireFields<QuerySloReportArgs, 'window'>>;
  staffAccount?: Resolver<Maybe<ResolversTypes['StaffAccount']>, ParentType, ContextType, RequireFields<QueryStaffAccountArgs, 'id'>>;
  staffAccounts?: Resolver<Array<ResolversTypes['StaffAccount']>, ParentType, ContextType, RequireFields<QueryStaffAccountsArgs, 'first' | 'search'>>;
  staffJob?: Resolver<Maybe<ResolversTypes['StaffJob']>, ParentType, ContextType, RequireFields<QueryStaffJobArgs, 'id'>>;
  staffJobs?: Resolver<ResolversTypes['StaffJobConnection'], ParentType, ContextType, RequireFields<QueryStaffJobsArgs, 'first'>>;
  usageLimits?: Resolver<ResolversTypes['UsageLimitsConfig'], ParentType, ContextType>;
  webhookDeliveries?: Resolver<Array<ResolversTypes['WebhookDelivery']>, ParentType, ContextType, RequireFields<QueryWebhookDeliveriesArgs, 'first'>>;
  webhookEndpoints?: Resolver<Array<ResolversTypes['WebhookEndpoint']>, ParentType, ContextType>;
}>;

export type RateLimitSettingsResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RateLimitSettings'] = ResolversParentTypes['RateLimitSettings']> = ResolversObject<{
  generationsPerDay?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  queuedJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  submissionsPerMinute?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type RateLimitsResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RateLimits'] = ResolversParentTypes['RateLimits']> = ResolversObject<{
  generationsPerDay?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  policies?: Resolver<Array<ResolversTypes['UsageLimit']>, ParentType, ContextType>;
  queuedJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  submissionsPerMinute?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type RegenerationRateDayResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RegenerationRateDay'] = ResolversParentTypes['RegenerationRateDay']> = ResolversObject<{
  accounts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  day?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rate?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  regeneratingAccounts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['Tier'], ParentType, ContextType>;
}>;

export type RegenerationReportResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RegenerationReport'] = ResolversParentTypes['RegenerationReport']> = ResolversObject<{
  days?: Resolver<Array<ResolversTypes['RegenerationRateDay']>, ParentType, ContextType>;
  from?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  windowMinutes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type RetentionConfigResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RetentionConfig'] = ResolversParentTypes['RetentionConfig']> = ResolversObject<{
  freeDays?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  plusDays?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type RevokeApiKeyPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RevokeApiKeyPayload'] = ResolversParentTypes['RevokeApiKeyPayload']> = ResolversObject<{
  apiKey?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type RotateApiKeyPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RotateApiKeyPayload'] = ResolversParentTypes['RotateApiKeyPayload']> = ResolversObject<{
  apiKey?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  key?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  replaced?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type SafetyIncidentResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SafetyIncident'] = ResolversParentTypes['SafetyIncident']> = ResolversObject<{
  annotatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  annotatedBy?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  category?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  closedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  closedBy?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  firstSeen?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  jobsAffected?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lastSeen?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  note?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  pattern?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  source?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SafetyIncidentStatus'], ParentType, ContextType>;
}>;

export type SafetyIncidentPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SafetyIncidentPayload'] = ResolversParentTypes['SafetyIncidentPayload']> = ResolversObject<{
  incident?: Resolver<Maybe<ResolversTypes['SafetyIncident']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type SafetyRuleResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SafetyRule'] = ResolversParentTypes['SafetyRule']> = ResolversObject<{
  category?: Resolver<ResolversTypes['SafetyCategory'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  createdBy?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  createdVersion?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  disabledAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  disabledBy?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  disabledVersion?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  enabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['SafetyRuleKind'], ParentType, ContextType>;
  pattern?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SafetyRulePayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SafetyRulePayload'] = ResolversParentTypes['SafetyRulePayload']> = ResolversObject<{
  rule?: Resolver<Maybe<ResolversTypes['SafetyRule']>, ParentType, ContextType>;
  ruleSetVersion?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type SafetySwitchesResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SafetySwitches'] = ResolversParentTypes['SafetySwitches']> = ResolversObject<{
  holdFaceClips?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  suspendedCategories?: Resolver<Array<ResolversTypes['SafetyCategory']>, ParentType, ContextType>;
  thresholdFactor?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  updatedBy?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type SafetySwitchesPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SafetySwitchesPayload'] = ResolversParentTypes['SafetySwitchesPayload']> = ResolversObject<{
  switches?: Resolver<Maybe<ResolversTypes['SafetySwitches']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type SchedulerConfigResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SchedulerConfig'] = ResolversParentTypes['SchedulerConfig']> = ResolversObject<{
  admissionControl?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  fairShare?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  freeBurstCap?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  freeQueueWaitTargetSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  freeWeight?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  plusBurstCap?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  plusWeight?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  updatedBy?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type SchedulerConfigPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SchedulerConfigPayload'] = ResolversParentTypes['SchedulerConfigPayload']> = ResolversObject<{
  config?: Resolver<Maybe<ResolversTypes['SchedulerConfig']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type SloObjectiveResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SloObjective'] = ResolversParentTypes['SloObjective']> = ResolversObject<{
  percentile?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  targetSeconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type SloReportResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SloReport'] = ResolversParentTypes['SloReport']> = ResolversObject<{
  from?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  met?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  tiers?: Resolver<Array<ResolversTypes['TierSlo']>, ParentType, ContextType>;
  to?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  windowSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type SpritesheetResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Spritesheet'] = ResolversParentTypes['Spritesheet']> = ResolversObject<{
  bytes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  columns?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  frameHeight?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  frameWidth?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  frames?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  provenance?: Resolver<Maybe<ResolversTypes['Provenance']>, ParentType, ContextType>;
  rows?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type StaffAccountResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffAccount'] = ResolversParentTypes['StaffAccount']> = ResolversObject<{
  apiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  suspendedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  suspendedReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['Tier'], ParentType, ContextType>;
}>;

export type StaffAccountPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffAccountPayload'] = ResolversParentTypes['StaffAccountPayload']> = ResolversObject<{
  account?: Resolver<Maybe<ResolversTypes['StaffAccount']>, ParentType, ContextType>;
  cancelledJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type StaffApiKeyPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffApiKeyPayload'] = ResolversParentTypes['StaffApiKeyPayload']> = ResolversObject<{
  apiKey?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type StaffDeleteAccountPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffDeleteAccountPayload'] = ResolversParentTypes['StaffDeleteAccountPayload']> = ResolversObject<{
  account?: Resolver<Maybe<ResolversTypes['StaffAccount']>, ParentType, ContextType>;
  deletedJobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type StaffJobResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffJob'] = ResolversParentTypes['StaffJob']> = ResolversObject<{
  account?: Resolver<ResolversTypes['StaffAccount'], ParentType, ContextType>;
  attemptHistory?: Resolver<Array<ResolversTypes['StaffJobAttempt']>, ParentType, ContextType>;
  cancelRequestedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  errorMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
  leaseOwner?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  maxAttempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  metadata?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  takedownReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  timeline?: Resolver<Array<ResolversTypes['StaffJobEvent']>, ParentType, ContextType>;
}>;

export type StaffJobAttemptResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffJobAttempt'] = ResolversParentTypes['StaffJobAttempt']> = ResolversObject<{
  attempt?: Resolver<ResolversTypes['JobAttempt'], ParentType, ContextType>;
  fencingToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  workerId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type StaffJobConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffJobConnection'] = ResolversParentTypes['StaffJobConnection']> = ResolversObject<{
  nodes?: Resolver<Array<ResolversTypes['StaffJob']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type StaffJobEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffJobEvent'] = ResolversParentTypes['StaffJobEvent']> = ResolversObject<{
  detail?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  event?: Resolver<ResolversTypes['JobEvent'], ParentType, ContextType>;
  fencingToken?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  workerId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type StaffJobPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['StaffJobPayload'] = ResolversParentTypes['StaffJobPayload']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['StaffJob']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type SubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  jobProgress?: SubscriptionResolver<ResolversTypes['JobProgress'], "jobProgress", ParentType, ContextType, RequireFields<SubscriptionJobProgressArgs, 'id'>>;
}>;

export type TakeDownJobPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TakeDownJobPayload'] = ResolversParentTypes['TakeDownJobPayload']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['StaffJob']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type TierLimitsResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TierLimits'] = ResolversParentTypes['TierLimits']> = ResolversObject<{
  maxDurationSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxResolution?: Resolver<ResolversTypes['Resolution'], ParentType, ContextType>;
  minDurationSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rate?: Resolver<ResolversTypes['RateLimits'], ParentType, ContextType>;
  resolutions?: Resolver<Array<ResolversTypes['Resolution']>, ParentType, ContextType>;
  stepBudget?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type TierSloResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TierSlo'] = ResolversParentTypes['TierSlo']> = ResolversObject<{
  endToEnd?: Resolver<ResolversTypes['LatencySlo'], ParentType, ContextType>;
  queueWait?: Resolver<ResolversTypes['LatencySlo'], ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['Tier'], ParentType, ContextType>;
}>;

export type UpdateRetentionPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UpdateRetentionPayload'] = ResolversParentTypes['UpdateRetentionPayload']> = ResolversObject<{
  retention?: Resolver<Maybe<ResolversTypes['RetentionConfig']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type UsageResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Usage'] = ResolversParentTypes['Usage']> = ResolversObject<{
  byStatus?: Resolver<Array<ResolversTypes['JobStatusCount']>, ParentType, ContextType>;
  costDollars?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  from?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  gpuHourlyCost?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  gpuSeconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  jobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  limits?: Resolver<ResolversTypes['RateLimits'], ParentType, ContextType>;
  to?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  window?: Resolver<ResolversTypes['UsageWindow'], ParentType, ContextType>;
}>;

export type UsageLimitResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UsageLimit'] = ResolversParentTypes['UsageLimit']> = ResolversObject<{
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quota?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  remaining?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  resetSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  used?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  windowSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
}>;

export type UsageLimitsConfigResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UsageLimitsConfig'] = ResolversParentTypes['UsageLimitsConfig']> = ResolversObject<{
  free?: Resolver<ResolversTypes['RateLimitSettings'], ParentType, ContextType>;
  plus?: Resolver<ResolversTypes['RateLimitSettings'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  updatedBy?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UsageLimitsPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UsageLimitsPayload'] = ResolversParentTypes['UsageLimitsPayload']> = ResolversObject<{
  config?: Resolver<Maybe<ResolversTypes['UsageLimitsConfig']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type UserErrorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UserError'] = ResolversParentTypes['UserError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  retryAfterSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
}>;

export type VideoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Video'] = ResolversParentTypes['Video']> = ResolversObject<{
  bytes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  fps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  frames?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  poster?: Resolver<Maybe<ResolversTypes['Poster']>, ParentType, ContextType>;
  posterUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  provenance?: Resolver<Maybe<ResolversTypes['Provenance']>, ParentType, ContextType>;
  retainedUntil?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  spritesheet?: Resolver<Maybe<ResolversTypes['Spritesheet']>, ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type WebhookAttemptResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WebhookAttempt'] = ResolversParentTypes['WebhookAttempt']> = ResolversObject<{
  attemptedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  latencyMs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  responseStatus?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  succeeded?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type WebhookDeliveryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WebhookDelivery'] = ResolversParentTypes['WebhookDelivery']> = ResolversObject<{
  attemptLog?: Resolver<Array<ResolversTypes['WebhookAttempt']>, ParentType, ContextType>;
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  deliveredAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  endpointId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  event?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  jobId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  nextAttemptAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type WebhookDeliveryPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WebhookDeliveryPayload'] = ResolversParentTypes['WebhookDeliveryPayload']> = ResolversObject<{
  delivery?: Resolver<Maybe<ResolversTypes['WebhookDelivery']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type WebhookEndpointResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WebhookEndpoint'] = ResolversParentTypes['WebhookEndpoint']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  disabledAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  disabledReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  enabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  events?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  previousSecretExpiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type WebhookEndpointPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WebhookEndpointPayload'] = ResolversParentTypes['WebhookEndpointPayload']> = ResolversObject<{
  endpoint?: Resolver<Maybe<ResolversTypes['WebhookEndpoint']>, ParentType, ContextType>;
  secret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type Resolvers<ContextType = GraphQLContext> = ResolversObject<{
  Account?: AccountResolvers<ContextType>;
  AccountUsage?: AccountUsageResolvers<ContextType>;
  Alarm?: AlarmResolvers<ContextType>;
  ApiKey?: ApiKeyResolvers<ContextType>;
  AuditEntry?: AuditEntryResolvers<ContextType>;
  AuditLogConnection?: AuditLogConnectionResolvers<ContextType>;
  CancelJobPayload?: CancelJobPayloadResolvers<ContextType>;
  CreateApiKeyPayload?: CreateApiKeyPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeleteAccountPayload?: DeleteAccountPayloadResolvers<ContextType>;
  DeleteJobPayload?: DeleteJobPayloadResolvers<ContextType>;
  DeleteWebhookEndpointPayload?: DeleteWebhookEndpointPayloadResolvers<ContextType>;
  DeliveryHold?: DeliveryHoldResolvers<ContextType>;
  FleetPlan?: FleetPlanResolvers<ContextType>;
  GenerateVideoPayload?: GenerateVideoPayloadResolvers<ContextType>;
  HashBankEntry?: HashBankEntryResolvers<ContextType>;
  HashBankEntryPayload?: HashBankEntryPayloadResolvers<ContextType>;
  Job?: JobResolvers<ContextType>;
  JobAttempt?: JobAttemptResolvers<ContextType>;
  JobConnection?: JobConnectionResolvers<ContextType>;
  JobEdge?: JobEdgeResolvers<ContextType>;
  JobError?: JobErrorResolvers<ContextType>;
  JobEvent?: JobEventResolvers<ContextType>;
  JobProgress?: JobProgressResolvers<ContextType>;
  JobStatusCount?: JobStatusCountResolvers<ContextType>;
  LatencySlo?: LatencySloResolvers<ContextType>;
  ModelCard?: ModelCardResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Poster?: PosterResolvers<ContextType>;
  Provenance?: ProvenanceResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RateLimitSettings?: RateLimitSettingsResolvers<ContextType>;
  RateLimits?: RateLimitsResolvers<ContextType>;
  RegenerationRateDay?: RegenerationRateDayResolvers<ContextType>;
  RegenerationReport?: RegenerationReportResolvers<ContextType>;
  RetentionConfig?: RetentionConfigResolvers<ContextType>;
  RevokeApiKeyPayload?: RevokeApiKeyPayloadResolvers<ContextType>;
  RotateApiKeyPayload?: RotateApiKeyPayloadResolvers<ContextType>;
  SafetyIncident?: SafetyIncidentResolvers<ContextType>;
  SafetyIncidentPayload?: SafetyIncidentPayloadResolvers<ContextType>;
  SafetyRule?: SafetyRuleResolvers<ContextType>;
  SafetyRulePayload?: SafetyRulePayloadResolvers<ContextType>;
  SafetySwitches?: SafetySwitchesResolvers<ContextType>;
  SafetySwitchesPayload?: SafetySwitchesPayloadResolvers<ContextType>;
  SchedulerConfig?: SchedulerConfigResolvers<ContextType>;
  SchedulerConfigPayload?: SchedulerConfigPayloadResolvers<ContextType>;
  SloObjective?: SloObjectiveResolvers<ContextType>;
  SloReport?: SloReportResolvers<ContextType>;
  Spritesheet?: SpritesheetResolvers<ContextType>;
  StaffAccount?: StaffAccountResolvers<ContextType>;
  StaffAccountPayload?: StaffAccountPayloadResolvers<ContextType>;
  StaffApiKeyPayload?: StaffApiKeyPayloadResolvers<ContextType>;
  StaffDeleteAccountPayload?: StaffDeleteAccountPayloadResolvers<ContextType>;
  StaffJob?: StaffJobResolvers<ContextType>;
  StaffJobAttempt?: StaffJobAttemptResolvers<ContextType>;
  StaffJobConnection?: StaffJobConnectionResolvers<ContextType>;
  StaffJobEvent?: StaffJobEventResolvers<ContextType>;
  StaffJobPayload?: StaffJobPayloadResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TakeDownJobPayload?: TakeDownJobPayloadResolvers<ContextType>;
  TierLimits?: TierLimitsResolvers<ContextType>;
  TierSlo?: TierSloResolvers<ContextType>;
  UpdateRetentionPayload?: UpdateRetentionPayloadResolvers<ContextType>;
  Usage?: UsageResolvers<ContextType>;
  UsageLimit?: UsageLimitResolvers<ContextType>;
  UsageLimitsConfig?: UsageLimitsConfigResolvers<ContextType>;
  UsageLimitsPayload?: UsageLimitsPayloadResolvers<ContextType>;
  UserError?: UserErrorResolvers<ContextType>;
  Video?: VideoResolvers<ContextType>;
  WebhookAttempt?: WebhookAttemptResolvers<ContextType>;
  WebhookDelivery?: WebhookDeliveryResolvers<ContextType>;
  WebhookDeliveryPayload?: WebhookDeliveryPayloadResolvers<ContextType>;
  WebhookEndpoint?: WebhookEndpointResolvers<ContextType>;
  WebhookEndpointPayload?: WebhookEndpointPayloadResolvers<ContextType>;
}>;

