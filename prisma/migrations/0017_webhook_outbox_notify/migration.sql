-- Kinema 0017: the webhook outbox trigger wakes the senders (issue 16, bench:webhooks). The function of
-- 0010 is unchanged but for its last lines: when it wrote outbox rows it sends `{"kind":"webhooks"}` on
-- the event bus's channel (kinema_events, src/events/pg.ts), which PostgreSQL sends once per transaction
-- however many rows or jobs it wrote. Before, every sender woke on every job event of any account (each
-- step of every job cost each API process a claim statement, mostly finding nothing) and a delivery not
-- announced by a queue statement (a test event, a redelivery, a job changed by other SQL) waited for the
-- poll (KINEMA_WEBHOOK_POLL_MS, 1 s by default). A NOTIFY is only a latency hint: the poll stays the truth.
--
-- Cost: nothing for a job of an account with no endpoint and no one-off URL (the function returns before);
-- a queue statement that writes outbox rows already NOTIFYs kinema_events, so its commit takes the
-- notification lock anyway. The triggers (and their WHEN clauses) are unchanged: they call the function
-- only when status or steps_completed changes, and steps_completed must stay there (job.progress).
CREATE OR REPLACE FUNCTION "webhook_job_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ev TEXT;
  snapshot JSONB;
  throttle INTERVAL;
  inserted BOOLEAN;
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
  inserted := FOUND;
  IF NEW."webhook_url" IS NOT NULL AND (throttle IS NULL OR NOT EXISTS (
      SELECT 1 FROM "webhook_deliveries" d WHERE d."job_id" = NEW."id" AND d."url" IS NOT NULL
        AND d."event" = 'job.progress' AND d."created_at" > clock_timestamp() - throttle)) THEN
    INSERT INTO "webhook_deliveries" ("account_id", "url", "job_id", "event", "payload")
    VALUES (NEW."account_id", NEW."webhook_url", NEW."id", ev, snapshot);
    inserted := true;
  END IF;
  -- New: wake the senders. Identical notifications of one transaction are sent once, at its commit.
  IF inserted THEN PERFORM pg_notify('kinema_events', '{"kind":"webhooks"}'); END IF;
  RETURN NULL;
END $$;
