-- Kinema 0001: accounts, API keys, the job queue and the worker registry.

CREATE TYPE "Tier" AS ENUM ('FREE', 'PLUS');
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'BLOCKED', 'CANCELLED');
CREATE TYPE "JobStage" AS ENUM ('PREFILTER', 'QUEUED', 'DENOISING', 'DECODING', 'POSTFILTER', 'SIGNING', 'UPLOADING', 'DONE');

CREATE TABLE "accounts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "tier" "Tier" NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- Keys are 32 random bytes, so a plain SHA-256 is enough: there is no dictionary to guess from.
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every claim takes a new value, so a token identifies one lease of one job, forever.
CREATE SEQUENCE "job_fencing_seq";

CREATE TABLE "jobs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "tier" "Tier" NOT NULL,
    "status" "JobStatus" NOT NULL,
    "stage" "JobStage" NOT NULL,
    "prompt" TEXT NOT NULL,
    "resolution" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "duration_seconds" INTEGER NOT NULL,
    "fps" INTEGER NOT NULL,
    "seed" BIGINT NOT NULL,
    "step_budget" INTEGER NOT NULL,
    "steps_completed" INTEGER NOT NULL DEFAULT 0,
    "idempotency_key" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL,
    "run_after" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "fencing_token" BIGINT NOT NULL DEFAULT 0,
    "cancel_requested_at" TIMESTAMPTZ(3),
    "error_code" TEXT,
    "error_message" TEXT,
    "progress" JSONB NOT NULL DEFAULT '{}',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "video" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE UNIQUE INDEX "jobs_account_id_idempotency_key_key" ON "jobs"("account_id", "idempotency_key");
-- History pages: one account's jobs, newest first, keyset-paginated on (created_at, id).
CREATE INDEX "jobs_account_id_created_at_id_idx" ON "jobs"("account_id", "created_at" DESC, "id" DESC);
-- The claim walks this partial index in FIFO order; only queued rows are in it, so it stays small.
CREATE INDEX "jobs_queue_idx" ON "jobs"("created_at", "id") WHERE "status" = 'QUEUED';
-- ETAs read the most recently finished jobs' run times here.
CREATE INDEX "jobs_succeeded_idx" ON "jobs"("finished_at" DESC) WHERE "status" = 'SUCCEEDED';
-- The sweeper finds expired leases here.
CREATE INDEX "jobs_lease_idx" ON "jobs"("lease_expires_at") WHERE "status" = 'RUNNING';

-- Live workers, for ETAs and operations; a row whose last_seen_at is old belongs to a dead process.
CREATE TABLE "workers" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "workers_pkey" PRIMARY KEY ("id")
);
