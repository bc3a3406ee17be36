import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { JobRecord } from '../jobs/service.js';
import type { Account as AccountModel } from '../accounts/accounts.js';
import type { JobProgressEvent } from '../api/progress.js';
import type { SafetyRuleRecord } from '../safety/prefilter/store.js';
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
};

export type AddSafetyRuleInput = {
  category: SafetyCategory;
  kind: SafetyRuleKind;
  /** 1 to 200 characters. */
  pattern: Scalars['String']['input'];
};

export type CancelJobPayload = {
  __typename?: 'CancelJobPayload';
  job?: Maybe<Job>;
  userErrors: Array<UserError>;
};

export type GenerateVideoInput = {
  /** 1 to 10. */
  durationSeconds: Scalars['Int']['input'];
  /** Retrying with the same key returns the first job instead of creating another. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** 1 to 2000 characters after trimming. */
  prompt: Scalars['String']['input'];
  /** Up to what the caller's tier allows (see `me.limits`). */
  resolution: Resolution;
  /** The same seed, prompt and settings give the same video. Chosen by the server when omitted. */
  seed?: InputMaybe<Scalars['Int']['input']>;
};

export type GenerateVideoPayload = {
  __typename?: 'GenerateVideoPayload';
  job?: Maybe<Job>;
  userErrors: Array<UserError>;
};

export type Job = {
  __typename?: 'Job';
  /** How many times a worker has started this job. */
  attempts: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  durationSeconds: Scalars['Int']['output'];
  /** Why the job failed or was blocked; while a job is retried, the last attempt's error. */
  error?: Maybe<JobError>;
  /** Estimated seconds until the job finishes; null when finished or unknown. */
  etaSeconds?: Maybe<Scalars['Int']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  fps: Scalars['Int']['output'];
  height: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  prompt: Scalars['String']['output'];
  /** Jobs ahead of this one; null unless QUEUED. */
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
  video?: Maybe<Video>;
  width: Scalars['Int']['output'];
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
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

export type Mutation = {
  __typename?: 'Mutation';
  /** Admins only. */
  addSafetyRule: SafetyRulePayload;
  /** A queued job is cancelled at once; a running one stops within one denoising step. */
  cancelJob: CancelJobPayload;
  /** Admins only. Built-in rules cannot be disabled (BUILTIN_RULE). */
  disableSafetyRule: SafetyRulePayload;
  generateVideo: GenerateVideoPayload;
};


export type MutationAddSafetyRuleArgs = {
  input: AddSafetyRuleInput;
};


export type MutationCancelJobArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDisableSafetyRuleArgs = {
  id: Scalars['ID']['input'];
};


export type MutationGenerateVideoArgs = {
  input: GenerateVideoInput;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  /** Pass as `after` to get the next page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
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
  /** One of the caller's jobs; null when it does not exist or belongs to another account. */
  job?: Maybe<Job>;
  /** The caller's jobs, newest first. `first` is 1 to 100 (default 20). */
  jobs: JobConnection;
  /** The account of the API key in the Authorization header. */
  me: Account;
  /** Admins only: the current rule-set version. Every job records the version its prompt was checked against. */
  safetyRuleSetVersion: Scalars['Int']['output'];
  /** Admins only: the editable rules, oldest first. The built-in rules (CSAM, public figures) are not listed. */
  safetyRules: Array<SafetyRule>;
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySafetyRulesArgs = {
  includeDisabled?: InputMaybe<Scalars['Boolean']['input']>;
};

export type Resolution =
  /** 854x480 */
  | 'R480P'
  /** 1280x720 */
  | 'R720P'
  /** 1920x1080 */
  | 'R1080P';

export type Role =
  | 'ADMIN'
  | 'USER';

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

export type Tier =
  | 'FREE'
  | 'PLUS';

/** What the caller's tier allows: the server applies these, never the client's choice. */
export type TierLimits = {
  __typename?: 'TierLimits';
  maxDurationSeconds: Scalars['Int']['output'];
  maxResolution: Resolution;
  minDurationSeconds: Scalars['Int']['output'];
  resolutions: Array<Resolution>;
  /** Denoising steps every job of this tier runs. */
  stepBudget: Scalars['Int']['output'];
};

/**
 * An expected failure of a mutation, returned beside its result instead of thrown: `code` is stable for
 * programs, `message` is for people, `field` is the path of the input it concerns.
 */
export type UserError = {
  __typename?: 'UserError';
  code: Scalars['String']['output'];
  field?: Maybe<Array<Scalars['String']['output']>>;
  message: Scalars['String']['output'];
};

export type Video = {
  __typename?: 'Video';
  bytes: Scalars['Int']['output'];
  expiresAt: Scalars['DateTime']['output'];
  fps: Scalars['Int']['output'];
  frames: Scalars['Int']['output'];
  height: Scalars['Int']['output'];
  /** The clip's C2PA content credentials, as verified before it was delivered. */
  provenance?: Maybe<Provenance>;
  /** A signed URL; fetch it before `expiresAt`, then ask for the job again for a fresh one. */
  url: Scalars['String']['output'];
  width: Scalars['Int']['output'];
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
  AddSafetyRuleInput: AddSafetyRuleInput;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CancelJobPayload: ResolverTypeWrapper<Omit<CancelJobPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  GenerateVideoInput: GenerateVideoInput;
  GenerateVideoPayload: ResolverTypeWrapper<Omit<GenerateVideoPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Job: ResolverTypeWrapper<JobRecord>;
  JobConnection: ResolverTypeWrapper<Omit<JobConnection, 'edges' | 'nodes'> & { edges: Array<ResolversTypes['JobEdge']>, nodes: Array<ResolversTypes['Job']> }>;
  JobEdge: ResolverTypeWrapper<Omit<JobEdge, 'node'> & { node: ResolversTypes['Job'] }>;
  JobError: ResolverTypeWrapper<JobError>;
  JobFilter: JobFilter;
  JobProgress: ResolverTypeWrapper<JobProgressEvent>;
  JobStage: JobStage;
  JobStatus: JobStatus;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Provenance: ResolverTypeWrapper<Provenance>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Resolution: Resolution;
  Role: Role;
  SafetyCategory: SafetyCategory;
  SafetyRule: ResolverTypeWrapper<SafetyRuleRecord>;
  SafetyRuleKind: SafetyRuleKind;
  SafetyRulePayload: ResolverTypeWrapper<Omit<SafetyRulePayload, 'rule'> & { rule?: Maybe<ResolversTypes['SafetyRule']> }>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Tier: Tier;
  TierLimits: ResolverTypeWrapper<TierLimits>;
  UserError: ResolverTypeWrapper<UserError>;
  Video: ResolverTypeWrapper<Video>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Account: AccountModel;
  AddSafetyRuleInput: AddSafetyRuleInput;
  Boolean: Scalars['Boolean']['output'];
  CancelJobPayload: Omit<CancelJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  DateTime: Scalars['DateTime']['output'];
  GenerateVideoInput: GenerateVideoInput;
  GenerateVideoPayload: Omit<GenerateVideoPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Job: JobRecord;
  JobConnection: Omit<JobConnection, 'edges' | 'nodes'> & { edges: Array<ResolversParentTypes['JobEdge']>, nodes: Array<ResolversParentTypes['Job']> };
  JobEdge: Omit<JobEdge, 'node'> & { node: ResolversParentTypes['Job'] };
  JobError: JobError;
  JobFilter: JobFilter;
  JobProgress: JobProgressEvent;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Provenance: Provenance;
  Query: Record<PropertyKey, never>;
  SafetyRule: SafetyRuleRecord;
  SafetyRulePayload: Omit<SafetyRulePayload, 'rule'> & { rule?: Maybe<ResolversParentTypes['SafetyRule']> };
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  TierLimits: TierLimits;
  UserError: UserError;
  Video: Video;
}>;

export type AccountResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Account'] = ResolversParentTypes['Account']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  limits?: Resolver<ResolversTypes['TierLimits'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['Tier'], ParentType, ContextType>;
}>;

export type CancelJobPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CancelJobPayload'] = ResolversParentTypes['CancelJobPayload']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type GenerateVideoPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['GenerateVideoPayload'] = ResolversParentTypes['GenerateVideoPayload']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
}>;

export type JobResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Job'] = ResolversParentTypes['Job']> = ResolversObject<{
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  durationSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['JobError']>, ParentType, ContextType>;
  etaSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  fps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
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
  video?: Resolver<Maybe<ResolversTypes['Video']>, ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
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

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  addSafetyRule?: Resolver<ResolversTypes['SafetyRulePayload'], ParentType, ContextType, RequireFields<MutationAddSafetyRuleArgs, 'input'>>;
  cancelJob?: Resolver<ResolversTypes['CancelJobPayload'], ParentType, ContextType, RequireFields<MutationCancelJobArgs, 'id'>>;
  disableSafetyRule?: Resolver<ResolversTypes['SafetyRulePayload'], ParentType, ContextType, RequireFields<MutationDisableSafetyRuleArgs, 'id'>>;
  generateVideo?: Resolver<ResolversTypes['GenerateVideoPayload'], ParentType, ContextType, RequireFields<MutationGenerateVideoArgs, 'input'>>;
}>;

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type ProvenanceResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Provenance'] = ResolversParentTypes['Provenance']> = ResolversObject<{
  actions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  claimGenerator?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  issuer?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  signedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType, RequireFields<QueryJobArgs, 'id'>>;
  jobs?: Resolver<ResolversTypes['JobConnection'], ParentType, ContextType, RequireFields<QueryJobsArgs, 'first'>>;
  me?: Resolver<ResolversTypes['Account'], ParentType, ContextType>;
  safetyRuleSetVersion?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  safetyRules?: Resolver<Array<ResolversTypes['SafetyRule']>, ParentType, ContextType, RequireFields<QuerySafetyRulesArgs, 'includeDisabled'>>;
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

export type SubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  jobProgress?: SubscriptionResolver<ResolversTypes['JobProgress'], "jobProgress", ParentType, ContextType, RequireFields<SubscriptionJobProgressArgs, 'id'>>;
}>;

export type TierLimitsResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TierLimits'] = ResolversParentTypes['TierLimits']> = ResolversObject<{
  maxDurationSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxResolution?: Resolver<ResolversTypes['Resolution'], ParentType, ContextType>;
  minDurationSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  resolutions?: Resolver<Array<ResolversTypes['Resolution']>, ParentType, ContextType>;
  stepBudget?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UserErrorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UserError'] = ResolversParentTypes['UserError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type VideoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Video'] = ResolversParentTypes['Video']> = ResolversObject<{
  bytes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  fps?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  frames?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  provenance?: Resolver<Maybe<ResolversTypes['Provenance']>, ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = GraphQLContext> = ResolversObject<{
  Account?: AccountResolvers<ContextType>;
  CancelJobPayload?: CancelJobPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  GenerateVideoPayload?: GenerateVideoPayloadResolvers<ContextType>;
  Job?: JobResolvers<ContextType>;
  JobConnection?: JobConnectionResolvers<ContextType>;
  JobEdge?: JobEdgeResolvers<ContextType>;
  JobError?: JobErrorResolvers<ContextType>;
  JobProgress?: JobProgressResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Provenance?: ProvenanceResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  SafetyRule?: SafetyRuleResolvers<ContextType>;
  SafetyRulePayload?: SafetyRulePayloadResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TierLimits?: TierLimitsResolvers<ContextType>;
  UserError?: UserErrorResolvers<ContextType>;
  Video?: VideoResolvers<ContextType>;
}>;

