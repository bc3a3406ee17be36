-- Kinema 0010: webhooks (Standard Webhooks), issue 16. Endpoints an account registers, a one-off URL a job
-- may carry, and an outbox of deliveries written by a row trigger on jobs: the delivery row is inserted by
-- the very statement that changes the job's status, in its transaction, so a crash between the change and
-- the send loses nothing (the sender in src/webhooks/ reads the outbox). No queue statement changes.

-- A job's one-off URL, and the secret its deliveries are signed with (returned once, at submission).
-- The secret is sealed (AES-256-GCM, src/webhooks/secrets.ts); a database read alone does not open it
-- when KINEMA_WEBHOOK_SECRET_KEY is set.
ALTER TABLE "jobs" ADD COLUMN "webhook_url" TEXT;
ALTER TABLE "jobs" ADD COLUMN "webhook_secret" TEXT;

CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "events" TEXT[] NOT NULL,
    -- sealed whsec_ secrets: the current one, and during a rotation's grace period the previous one
    "secret" TEXT NOT NULL,
    "previous_secret" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_reason" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    -- the first failed attempt since the last success: failing for a day disables the endpoint
    "failing_since" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_endpoints_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "webhook_endpoints_account_id_idx" ON "webhook_endpoints"("account_id");

-- The outbox. One row per (event, target); `id` is the Standard Webhooks `webhook-id` (the same on every
-- attempt and on a redelivery, so receivers can deduplicate). `seq` orders a job's events per target.
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "account_id" UUID NOT NULL,
    "endpoint_id" UUID,
    -- a job's one-off URL (endpoint_id null)
    "url" TEXT,
    "job_id" UUID,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    -- PENDING, DELIVERED or FAILED (no CHECK constraint: Prisma 6.19's drift check crashes on one)
    "state" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    -- due time; while an attempt is in flight, the claim's lease (a crashed sender's claim comes back)
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
    -- retries stop 24 h (KINEMA_WEBHOOK_RETRY_WINDOW_MS) after this; a redelivery starts a new window
    "retry_from" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
    "delivered_at" TIMESTAMPTZ(3),
    "last_error" TEXT,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "webhook_deliveries_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- the sender's claim walks the due pending rows; the in-order check and the progress throttle walk a job's
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries"("next_attempt_at", "seq") WHERE "state" = 'PENDING';
CREATE INDEX "webhook_deliveries_job_id_seq_idx" ON "webhook_deliveries"("job_id", "seq");
CREATE INDEX "webhook_deliveries_endpoint_id_seq_idx" ON "webhook_deliveries"("endpoint_id", "seq" DESC);

-- Every attempt: what the receiver answered, how long it took, or why it could not be reached.
CREATE TABLE "webhook_attempts" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" UUID NOT NULL,
    "attempted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "succeeded" BOOLEAN NOT NULL,
    "response_status" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "error" TEXT,

    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "webhook_attempts_delivery_id_idx" ON "webhook_attempts"("delivery_id", "id");

-- Which status change is which event: the one table to extend when a status is added (EXPIRED,
-- TAKEN_DOWN: one INSERT in that status's migration). QUEUED has no event.
CREATE TABLE "webhook_status_events" (
    "status" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    CONSTRAINT "webhook_status_events_pkey" PRIMARY KEY ("status")
);
INSERT INTO "webhook_status_events" ("status", "event") VALUES
    ('RUNNING', 'job.started'), ('SUCCEEDED', 'job.succeeded'), ('FAILED', 'job.failed'),
    ('BLOCKED', 'job.blocked'), ('CANCELLED', 'job.cancelled');

-- Writes the outbox rows of one job change. Cost for an account with no endpoint and a job with no URL:
-- one index probe of webhook_endpoints_account_id_idx. job.progress is throttled here: at most one per
-- target per `webhook_progress_interval_ms` (settings; the API writes KINEMA_WEBHOOK_PROGRESS_INTERVAL_MS
-- there at start), checked on webhook_deliveries_job_id_seq_idx (a job has a few dozen rows at most).
CREATE FUNCTION "webhook_job_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ev TEXT;
  snapshot JSONB;
  throttle INTERVAL;
BEGIN
  IF NEW."webhook_url" IS NULL AND NOT EXISTS (
    SELECT 1 FROM "webhook_endpoints" WHERE "account_id" = NEW."account_id" AND "enabled") THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW."status" IS NOT DISTINCT FROM OLD."status" THEN
    IF NEW."status" <> 'RUNNING' THEN RETURN NULL; END IF;
    ev := 'job.progress';
    throttle := COALESCE((SELECT "value" FROM "settings" WHERE "key" = 'webhook_progress_interval_ms'), '5000') || ' milliseconds';
  ELSE
    SELECT "event" INTO ev FROM "webhook_status_events" WHERE "status" = NEW."status"::text;
    IF ev IS NULL THEN RETURN NULL; END IF;
  END IF;
  -- The job as it is in this statement; the sender shapes it as the API does (and signs a fresh video URL).
  snapshot := to_jsonb(NEW) - 'checkpoint' - 'lease_owner' - 'lease_expires_at' - 'fencing_token'
    - 'avoid_worker' - 'webhook_secret' - 'progress' - 'run_after' - 'cache_key' - 'idempotency_key';
  INSERT INTO "webhook_deliveries" ("account_id", "endpoint_id", "job_id", "event", "payload")
  SELECT NEW."account_id", e."id", NEW."id", ev, snapshot
  FROM "webhook_endpoints" e
  WHERE e."account_id" = NEW."account_id" AND e."enabled" AND ev = ANY (e."events")
    AND (throttle IS NULL OR NOT EXISTS (
      SELECT 1 FROM "webhook_deliveries" d WHERE d."job_id" = NEW."id" AND d."endpoint_id" = e."id"
        AND d."event" = 'job.progress' AND d."created_at" > clock_timestamp() - throttle));
  IF NEW."webhook_url" IS NOT NULL AND (throttle IS NULL OR NOT EXISTS (
      SELECT 1 FROM "webhook_deliveries" d WHERE d."job_id" = NEW."id" AND d."url" IS NOT NULL
        AND d."event" = 'job.progress' AND d."created_at" > clock_timestamp() - throttle)) THEN
    INSERT INTO "webhook_deliveries" ("account_id", "url", "job_id", "event", "payload")
    VALUES (NEW."account_id", NEW."webhook_url", NEW."id", ev, snapshot);
  END IF;
  RETURN NULL;
END $$;

-- Only status and step changes call the function (the WHEN is evaluated without calling it): heartbeats,
-- lease renewals and checkpoint writes pay nothing.
CREATE TRIGGER "jobs_webhook_outbox_update" AFTER UPDATE ON "jobs" FOR EACH ROW
    WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."steps_completed" IS DISTINCT FROM NEW."steps_completed")
    EXECUTE FUNCTION "webhook_job_outbox"();
-- A job inserted already finished (blocked by the pre-filter, a cache hit) has its event too.
CREATE TRIGGER "jobs_webhook_outbox_insert" AFTER INSERT ON "jobs" FOR EACH ROW
    WHEN (NEW."status" <> 'QUEUED')
    EXECUTE FUNCTION "webhook_job_outbox"();
