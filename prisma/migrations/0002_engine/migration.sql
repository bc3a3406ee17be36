-- Kinema 0002: denoising checkpoints on the job, and process-wide settings.

-- The last checkpoint a worker wrote under its lease: {"key", "step", "fencingToken"}. A job claimed
-- after a crash resumes from it.
ALTER TABLE "jobs" ADD COLUMN "checkpoint" JSONB;
-- A worker a retry should avoid (it saw non-finite values: maybe its hardware); claims skip it for a while.
ALTER TABLE "jobs" ADD COLUMN "avoid_worker" TEXT;

-- Values every process shares, created once (e.g. the secret that signs object URLs).
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);
