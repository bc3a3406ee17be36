-- Kinema 0013: per-tier rate limits and quotas, job deadlines (EXPIRED).

-- A job whose deadline passed before any worker started it: never run, no GPU time, not counted against
-- the daily quota. (Added, never used in this migration: a new enum value is usable once committed.)
ALTER TYPE "JobStatus" ADD VALUE 'EXPIRED';

-- created_at + the request's deadlineSeconds; null: no deadline. The claim skips a job past it
-- (src/queue/sql/claimJob.ts) and the elected expiry sweep marks it EXPIRED (src/queue/sql/expireJobs.ts).
ALTER TABLE "jobs" ADD COLUMN "deadline_at" TIMESTAMPTZ(3);
-- The sweep's walk: only queued jobs that carry a deadline (few), oldest deadline first.
CREATE INDEX "jobs_deadline_idx" ON "jobs"("deadline_at") WHERE "status" = 'QUEUED' AND "deadline_at" IS NOT NULL;

-- One row: every tier's limits and their version, hot-reloaded like scheduler_config (src/limits/store.ts:
-- API processes poll the version, one primary-key read; every change bumps it and writes an audit row).
-- Submissions per minute and generations per day are sliding windows counted from the jobs rows under a
-- per-account transaction lock (src/limits/sql/usage.ts), so every API replica enforces the same numbers.
CREATE TABLE "usage_limits" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL,
    "free_submissions_per_minute" INTEGER NOT NULL DEFAULT 30,
    "plus_submissions_per_minute" INTEGER NOT NULL DEFAULT 300,
    "free_generations_per_day" INTEGER NOT NULL DEFAULT 300,
    "plus_generations_per_day" INTEGER NOT NULL DEFAULT 10000,
    "free_queued_jobs" INTEGER NOT NULL DEFAULT 30,
    "plus_queued_jobs" INTEGER NOT NULL DEFAULT 500,
    "updated_by" TEXT,
    "reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "usage_limits_pkey" PRIMARY KEY ("id")
);
INSERT INTO "usage_limits" ("id", "version") VALUES (1, 1);

-- The per-account queued-jobs limit counts an account's QUEUED jobs at every submission.
CREATE INDEX "jobs_account_queued_idx" ON "jobs"("account_id") WHERE "status" = 'QUEUED';
