// The GraphQL documents the CLI sends (schema/*.graphql) and the shapes it reads back.
import type { JobStage, JobStatus } from "../jobs/states.js";

export interface UserError { code: string; message: string; field?: string[] | null; retryAfterSeconds?: number | null }
export interface JobError { code: string; message: string }
export interface Provenance { state: string; issuer: string | null; signedAt: string | null; claimGenerator: string | null; actions: string[] }
export interface Video {
  url: string; expiresAt: string; width: number; height: number; frames: number; fps: number; bytes: number;
  provenance: Provenance | null;
  /** the poster frame and the spritesheet (schema/variants.graphql); null for clips delivered before them */
  poster: { url: string; width: number; height: number; bytes: number; provenance: Provenance | null } | null;
  spritesheet: { url: string; columns: number; rows: number; frameWidth: number; frameHeight: number; frames: number; bytes: number } | null;
}

export interface JobDetail {
  id: string; status: JobStatus; stage: JobStage; tier: string; prompt: string; resolution: string;
  width: number; height: number; durationSeconds: number; fps: number; seed: number;
  stepBudget: number; stepsCompleted: number; attempts: number; queuePosition: number | null; etaSeconds: number | null;
  createdAt: string; startedAt: string | null; finishedAt: string | null;
  error: JobError | null; video: Video | null;
  negativePrompt: string | null; deadlineAt: string | null; gpuSeconds: number | null; costDollars: number | null;
}

export interface JobSummary {
  id: string; status: JobStatus; stage: JobStage; stepsCompleted: number; stepBudget: number;
  resolution: string; durationSeconds: number; createdAt: string; error: JobError | null;
}

export interface JobProgress {
  status: JobStatus; stage: JobStage; queuePosition: number | null; step: number; totalSteps: number; etaSeconds: number | null;
  job: JobDetail;
}

const JOB_DETAIL = `fragment JobDetail on Job {
  id status stage tier prompt resolution width height durationSeconds fps seed stepBudget stepsCompleted attempts
  queuePosition etaSeconds createdAt startedAt finishedAt error { code message }
  negativePrompt deadlineAt gpuSeconds costDollars
  video {
    url expiresAt width height frames fps bytes provenance { state issuer signedAt claimGenerator actions }
    poster { url width height bytes provenance { state issuer signedAt claimGenerator actions } }
    spritesheet { url columns rows frameWidth frameHeight frames bytes }
  }
}`;

export const GENERATE = `mutation CliGenerate($input: GenerateVideoInput!) {
  generateVideo(input: $input) { job { ...JobDetail } userErrors { code message field retryAfterSeconds } }
}
${JOB_DETAIL}`;

export const CANCEL = `mutation CliCancel($id: ID!) {
  cancelJob(id: $id) { job { id status } userErrors { code message } }
}`;

export const JOB = `query CliJob($id: ID!) { job(id: $id) { ...JobDetail } }
${JOB_DETAIL}`;

export const JOBS = `query CliJobs($first: Int, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) {
    nodes { id status stage stepsCompleted stepBudget resolution durationSeconds createdAt error { code message } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const PROGRESS = `subscription CliProgress($id: ID!) {
  jobProgress(id: $id) { status stage queuePosition step totalSteps etaSeconds job { ...JobDetail } }
}
${JOB_DETAIL}`;

export interface UsagePolicy { name: string; quota: number; windowSeconds: number | null; used: number; remaining: number; resetSeconds: number | null }
export interface UsageReport {
  window: string; from: string; to: string; jobs: number; byStatus: { status: JobStatus; count: number }[];
  gpuSeconds: number; costDollars: number; gpuHourlyCost: number; limits: { policies: UsagePolicy[] };
}

export const USAGE = `query CliUsage($window: UsageWindow!) { me { usage(window: $window) {
  window from to jobs byStatus { status count } gpuSeconds costDollars gpuHourlyCost
  limits { policies { name quota windowSeconds used remaining resetSeconds } } } } }`;
