-- Kinema 0004: the scheduler. Weighted fair share between tier lanes, per-account burst caps, admission
-- control thresholds, and the exact-match cache key. The claim (src/queue/sql/claimJob.ts) reads all of
-- this in its own statement, so every worker applies a change at its next claim.

-- One row: the scheduler's settings and their version. Every change bumps the version in the same
-- statement (src/scheduler/store.ts); API processes poll it (a primary-key read) and reload when it moves.
-- (No CHECK (id = 1): Prisma 6.19's WebAssembly schema engine crashes on a CHECK constraint in the drift check.)
CREATE TABLE "scheduler_config" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL,
    -- false: plain FIFO over both tiers (weights ignored); for comparison and emergencies
    "fair_share" BOOLEAN NOT NULL DEFAULT true,
    "plus_weight" DOUBLE PRECISION NOT NULL DEFAULT 2,
    "free_weight" DOUBLE PRECISION NOT NULL DEFAULT 1,
    -- at most this many RUNNING jobs of one account at once
    "free_burst_cap" INTEGER NOT NULL DEFAULT 3,
    "plus_burst_cap" INTEGER NOT NULL DEFAULT 10,
    -- FREE submissions are refused (QUEUE_FULL) when their predicted queue wait exceeds this
    "admission_control" BOOLEAN NOT NULL DEFAULT true,
    "free_queue_wait_target_seconds" INTEGER NOT NULL DEFAULT 15,
    "updated_by" TEXT,
    "reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "scheduler_config_pkey" PRIMARY KEY ("id")
);
INSERT INTO "scheduler_config" ("id", "version") VALUES (1, 1);

-- Stride scheduling: each lane's pass (virtual time). A claim serves the lane with the smallest pass among
-- lanes with a claimable job and advances that lane's pass by 1 / weight, under the row's lock.
CREATE TABLE "scheduler_lanes" (
    "tier" "Tier" NOT NULL,
    "pass" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "claims" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "scheduler_lanes_pkey" PRIMARY KEY ("tier")
);
INSERT INTO "scheduler_lanes" ("tier") VALUES ('PLUS'), ('FREE');

-- Each account's RUNNING jobs, kept by the trigger below on every status change (whatever statement
-- makes it: claim, finish, fail, release, sweep, cancel). The claim locks the row (FOR UPDATE SKIP
-- LOCKED), which re-reads its latest committed value, so concurrent claims cannot exceed the cap.
CREATE TABLE "scheduler_accounts" (
    "account_id" UUID NOT NULL,
    "running" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "scheduler_accounts_pkey" PRIMARY KEY ("account_id")
);
ALTER TABLE "scheduler_accounts" ADD CONSTRAINT "scheduler_accounts_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
INSERT INTO "scheduler_accounts" ("account_id", "running")
SELECT a."id", (SELECT count(*) FROM "jobs" j WHERE j."account_id" = a."id" AND j."status" = 'RUNNING')::int FROM "accounts" a;

CREATE FUNCTION "scheduler_account_created"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO scheduler_accounts (account_id) VALUES (NEW.id) ON CONFLICT (account_id) DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER "accounts_scheduler_row" AFTER INSERT ON "accounts"
    FOR EACH ROW EXECUTE FUNCTION "scheduler_account_created"();

CREATE FUNCTION "scheduler_count_running"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'RUNNING' AND (TG_OP = 'DELETE' OR NEW.status <> 'RUNNING') THEN
    UPDATE scheduler_accounts SET running = greatest(running - 1, 0) WHERE account_id = OLD.account_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'RUNNING' AND (TG_OP = 'INSERT' OR OLD.status <> 'RUNNING') THEN
    INSERT INTO scheduler_accounts (account_id, running) VALUES (NEW.account_id, 1)
    ON CONFLICT (account_id) DO UPDATE SET running = scheduler_accounts.running + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "jobs_count_running" AFTER INSERT OR DELETE OR UPDATE OF "status" ON "jobs"
    FOR EACH ROW EXECUTE FUNCTION "scheduler_count_running"();

-- Each lane's queue, FIFO: the claim walks one lane's head through here.
CREATE INDEX "jobs_lane_idx" ON "jobs"("tier", "created_at", "id") WHERE "status" = 'QUEUED';

-- The exact-match cache: sha256 of (normalised prompt, seed, resolution, duration, step budget, model
-- hash), set at submission; looked up among one account's delivered jobs.
ALTER TABLE "jobs" ADD COLUMN "cache_key" TEXT;
CREATE INDEX "jobs_cache_idx" ON "jobs"("account_id", "cache_key") WHERE "status" = 'SUCCEEDED' AND "cache_key" IS NOT NULL;
