// What the Support area reads from the staff API (schema/staff.graphql, schema/timeline.graphql).
import type { JobStage, JobStatus, Role, Tier, UserError } from "../../types";

export interface StaffApiKey { id: string; name: string | null; prefix: string; active: boolean; lastUsedAt: string | null }

export interface StaffAccount {
  id: string;
  name: string;
  tier: Tier;
  role: Role;
  suspendedAt: string | null;
  suspendedReason: string | null;
}

export interface StaffJobRow {
  job: { id: string; status: JobStatus; stage: JobStage; tier: Tier; prompt: string; createdAt: string; error: { code: string } | null };
  account: { id: string; name: string };
  leaseOwner: string | null;
}

export interface JobEvent {
  at: string;
  kind: string;
  attempt: number | null;
  stage: JobStage | null;
  message: string;
  durationSeconds: number | null;
  step: number | null;
}

export interface StaffJobEvent { event: JobEvent; workerId: string | null; fencingToken: string | null; detail: string }

export interface StaffJobAttempt {
  attempt: { number: number; startedAt: string; endedAt: string | null; outcome: string; errorCode: string | null; stepsCompleted: number };
  workerId: string | null;
}

export interface StaffJobDetail {
  job: {
    id: string; status: JobStatus; stage: JobStage; tier: Tier; prompt: string; createdAt: string; startedAt: string | null;
    finishedAt: string | null; attempts: number; stepsCompleted: number; stepBudget: number; durationSeconds: number;
    resolution: string; timeInSystemSeconds: number | null; error: { code: string; message: string } | null;
  };
  account: StaffAccount & { apiKeys: StaffApiKey[] };
  leaseOwner: string | null;
  errorMessage: string | null;
  maxAttempts: number;
  cancelRequestedAt: string | null;
  timeline: StaffJobEvent[];
  attemptHistory: StaffJobAttempt[];
}

export type Payload<K extends string> = Record<K, { userErrors: UserError[] }>;
