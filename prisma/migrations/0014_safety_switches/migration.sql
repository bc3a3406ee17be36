-- Kinema 0014: the trust-and-safety runbook's switches and the rolling re-scan (issue 17).
--
-- safety_switches: one row with a version, like scheduler_config. Every process polls the version and
-- reloads when it moved (src/safety/switches/); each change bumps it and appends its audit_log row in the
-- same statement.
--  - hold_face_clips: clips in which the post-filter saw a face are not delivered while it is on (the API
--    signs no URL for them; workers record the hold). Turning it off releases them without regenerating.
--  - suspended_categories: pre-filter categories refused for everyone, whatever the rules say.
--  - threshold_factor: every post-filter score threshold is multiplied by it (1: as configured; 0.5:
--    a score half as high already blocks).
CREATE TABLE "safety_switches" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 1,
    "hold_face_clips" BOOLEAN NOT NULL DEFAULT false,
    "suspended_categories" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "threshold_factor" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "updated_by" TEXT,
    "reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "safety_switches_pkey" PRIMARY KEY ("id")
);
-- (No CHECK constraints, here or below: Prisma 6.19's WebAssembly schema engine crashes on one in the
-- drift check, as 0004 notes. The bounds live in src/safety/switches/service.ts, the only writer.)
INSERT INTO "safety_switches" ("id") VALUES (1);

-- One row per re-scan run (the elected process's scheduled task): what it looked at and what it found.
CREATE TABLE "rescan_runs" (
    "id" BIGSERIAL NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "rate" DOUBLE PRECISION NOT NULL,
    "window_seconds" INTEGER NOT NULL,
    "candidates" INTEGER NOT NULL DEFAULT 0,
    "sampled" INTEGER NOT NULL DEFAULT 0,
    "scanned" INTEGER NOT NULL DEFAULT 0,
    "hits" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "bank" TEXT,

    CONSTRAINT "rescan_runs_pkey" PRIMARY KEY ("id")
);

-- A clip is re-scanned at most once per UTC day: the run claims (job, day) with an insert that does
-- nothing when the pair exists, so two overlapping runs (a leadership handover) never scan one clip twice.
CREATE TABLE "rescan_checks" (
    "job_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "run_id" BIGINT NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT 'pending',
    "category" TEXT,
    "detail" JSONB,
    "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rescan_checks_pkey" PRIMARY KEY ("job_id", "day")
);
-- outcome: 'pending' (claimed), 'clean', 'hit' or 'error' (src/safety/rescan/store.ts). No foreign keys:
-- jobs are never deleted, and a Prisma relation would need a field on the Job model.
-- The alarm counts recent hits: a small partial index (hits are rare).
CREATE INDEX "rescan_checks_hits_idx" ON "rescan_checks"("checked_at") WHERE "outcome" = 'hit';
-- The re-scan's candidates (clips delivered in the last 24 hours) are a range scan of 0001's
-- jobs_succeeded_idx (finished_at, partial on SUCCEEDED).
