-- Kinema 0008: the durable job timeline (docs/ARCHITECTURE.md, "Job timeline").
--
-- Why a trigger: every state change of a job is an UPDATE or INSERT of its `jobs` row, made by a statement
-- that is already fenced (workers: `WHERE id = $1 AND fencing_token = $2 AND status = 'RUNNING'`) or
-- already scoped (cancels, staff actions, the sweep). A row trigger derives the events from OLD and NEW
-- inside that very statement, so an event commits exactly when its change does, a stale worker (whose
-- statement matches no row) adds nothing, no caller needs an extra round trip, and whoever rewrites the
-- queue's SQL later keeps the timeline as long as the columns mean the same. What is not a column
-- change rides on what the statement writes anyway: metadata.prefilter / .cache (submission),
-- .failures (a failure: NaN detected vs lease expired vs other), .postfilter and .provenance (the
-- post-filter and signing stages' last writes), .cancel (who cancelled, set by the cancel statement).
--
-- Cost: the trigger fires only when status, stage, fencing token, checkpoint or cancel_requested_at
-- change (WHEN clause), so the per-step progress write (same stage) never runs it; a checkpoint (every
-- KINEMA_CHECKPOINT_EVERY steps) appends one row. A claim appends 3-4 rows in one INSERT plus one index
-- probe for the queue wait (measured per claim: see src/timeline/events.ts).
CREATE TABLE "job_events" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "kind" TEXT NOT NULL,
    "stage" "JobStage",
    "step" INTEGER,
    "duration_seconds" DOUBLE PRECISION,
    "worker_id" TEXT,
    "fencing_token" BIGINT,
    "detail" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "job_events_pkey" PRIMARY KEY ("id")
);
-- Kept exactly as long as the job.
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_job_id_fkey"
    FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- A page of jobs' timelines in one statement (job_id = ANY), each in order; the trigger's look-backs.
CREATE INDEX "job_events_job_id_id_idx" ON "job_events"("job_id", "id");

-- When the job entered its current stage (the queue included): the latest STAGE_ENTERED or QUEUED event.
CREATE FUNCTION "job_timeline_last"(job UUID, kinds TEXT[]) RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
  SELECT at FROM job_events WHERE job_id = job AND kind = ANY(kinds) ORDER BY id DESC LIMIT 1
$$;

-- Jobs ahead in the job's tier lane (jobs_lane_idx), counted up to 1,000 so a long queue costs a bound.
CREATE FUNCTION "job_timeline_position"(j jobs) RETURNS INT LANGUAGE sql STABLE AS $$
  SELECT count(*)::int FROM (
    SELECT 1 FROM jobs q WHERE q.status = 'QUEUED' AND q.tier = j.tier AND (q.created_at, q.id) < (j.created_at, j.id) LIMIT 1000
  ) ahead
$$;

CREATE FUNCTION "job_timeline"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ev jsonb := '[]';
  swept boolean; failed boolean; handed_back boolean; outcome text; attempt_end jsonb; since timestamptz;
BEGIN
  IF TG_OP = 'INSERT' THEN
    ev := ev || jsonb_build_object('kind', 'SUBMITTED', 'stage', 'PREFILTER', 'detail', jsonb_build_object(
      'tier', NEW.tier, 'resolution', NEW.resolution, 'durationSeconds', NEW.duration_seconds, 'stepBudget', NEW.step_budget));
    IF NEW.metadata ? 'prefilter' THEN
      ev := ev || jsonb_build_object('kind', 'PREFILTER_DECISION', 'stage', 'PREFILTER', 'detail', NEW.metadata->'prefilter');
    END IF;
    IF NEW.metadata->'cache'->>'hit' = 'true' THEN
      ev := ev || jsonb_build_object('kind', 'CACHE_HIT', 'stage', NEW.stage, 'detail', NEW.metadata->'cache');
    END IF;
    IF NEW.status = 'QUEUED' THEN
      ev := ev || jsonb_build_object('kind', 'QUEUED', 'stage', 'QUEUED', 'detail', jsonb_build_object('position', job_timeline_position(NEW), 'reason', 'submitted'));
    ELSIF NEW.status <> 'RUNNING' THEN
      ev := ev || jsonb_build_object('kind', 'FINISHED', 'stage', NEW.stage, 'detail', jsonb_build_object('status', NEW.status, 'errorCode', NEW.error_code));
    END IF;
  ELSE
    IF OLD.cancel_requested_at IS NULL AND NEW.cancel_requested_at IS NOT NULL THEN
      ev := ev || jsonb_build_object('kind', 'CANCEL_REQUESTED', 'stage', NEW.stage, 'detail', coalesce(NEW.metadata->'cancel', '{}'));
    END IF;

    IF NEW.status = 'RUNNING' AND (OLD.status <> 'RUNNING' OR NEW.fencing_token <> OLD.fencing_token) THEN
      -- A claim: the queue wait ends, a lease begins (resumed from its checkpoint's step when it has one).
      IF OLD.stage = 'QUEUED' THEN
        since := job_timeline_last(NEW.id, ARRAY['STAGE_ENTERED', 'QUEUED']);
        ev := ev || jsonb_build_object('kind', 'STAGE_LEFT', 'stage', 'QUEUED', 'duration_seconds', extract(epoch FROM now() - since));
      END IF;
      ev := ev || jsonb_build_object('kind', 'CLAIMED', 'stage', NEW.stage, 'worker_id', NEW.lease_owner, 'fencing_token', NEW.fencing_token,
        'detail', jsonb_build_object('attempts', NEW.attempts, 'maxAttempts', NEW.max_attempts));
      IF NEW.steps_completed > 0 THEN
        ev := ev || jsonb_build_object('kind', 'RESUMED', 'stage', NEW.stage, 'step', NEW.steps_completed, 'worker_id', NEW.lease_owner,
          'fencing_token', NEW.fencing_token, 'detail', jsonb_build_object('checkpoint', NEW.checkpoint));
      END IF;
      IF NEW.stage <> 'QUEUED' THEN
        ev := ev || jsonb_build_object('kind', 'STAGE_ENTERED', 'stage', NEW.stage, 'worker_id', NEW.lease_owner, 'fencing_token', NEW.fencing_token);
      END IF;

    ELSIF NEW.status = 'RUNNING' THEN
      -- Within one lease: a stage change (with what the stage left decided), a checkpoint.
      IF NEW.stage <> OLD.stage THEN
        since := job_timeline_last(NEW.id, ARRAY['STAGE_ENTERED', 'QUEUED']);
        ev := ev || jsonb_build_object('kind', 'STAGE_LEFT', 'stage', OLD.stage, 'duration_seconds', extract(epoch FROM now() - since),
          'worker_id', NEW.lease_owner, 'fencing_token', NEW.fencing_token);
        IF OLD.stage = 'POSTFILTER' AND NEW.metadata ? 'postfilter' THEN
          ev := ev || jsonb_build_object('kind', 'POSTFILTER_DECISION', 'stage', 'POSTFILTER', 'worker_id', NEW.lease_owner,
            'fencing_token', NEW.fencing_token, 'detail', NEW.metadata->'postfilter');
        END IF;
        IF OLD.stage = 'SIGNING' AND NEW.metadata ? 'provenance' THEN
          ev := ev || jsonb_build_object('kind', 'SIGNED', 'stage', 'SIGNING', 'worker_id', NEW.lease_owner,
            'fencing_token', NEW.fencing_token, 'detail', NEW.metadata->'provenance');
        END IF;
        ev := ev || jsonb_build_object('kind', 'STAGE_ENTERED', 'stage', NEW.stage, 'worker_id', NEW.lease_owner, 'fencing_token', NEW.fencing_token);
      END IF;
      IF NEW.checkpoint IS NOT NULL AND NEW.checkpoint IS DISTINCT FROM OLD.checkpoint THEN
        ev := ev || jsonb_build_object('kind', 'CHECKPOINT_WRITTEN', 'stage', NEW.stage, 'step', (NEW.checkpoint->>'step')::int,
          'worker_id', NEW.lease_owner, 'fencing_token', NEW.fencing_token, 'detail', jsonb_build_object('key', NEW.checkpoint->>'key'));
      END IF;

    ELSIF OLD.status = 'RUNNING' THEN
      -- The lease ends. Which statement ended it shows in the row: the sweep draws a new fencing token;
      -- a failure appends to metadata.failures; a hand-back (release, restart) gives the attempt back.
      swept := NEW.fencing_token <> OLD.fencing_token;
      failed := NOT swept AND jsonb_array_length(coalesce(NEW.metadata->'failures', '[]')) > jsonb_array_length(coalesce(OLD.metadata->'failures', '[]'));
      handed_back := NOT swept AND NOT failed AND NEW.attempts < OLD.attempts;
      outcome := CASE WHEN swept THEN 'LEASE_LOST' WHEN NEW.status = 'QUEUED' AND failed THEN 'RETRIED'
                      WHEN NEW.status = 'QUEUED' THEN 'RELEASED' ELSE NEW.status::text END;
      attempt_end := jsonb_build_object('outcome', outcome, 'errorCode', CASE WHEN swept OR failed OR NEW.status = 'BLOCKED' THEN NEW.error_code END,
        'stepsCompleted', OLD.steps_completed, 'attempts', OLD.attempts);
      IF OLD.stage NOT IN ('QUEUED', 'DONE') THEN
        since := job_timeline_last(NEW.id, ARRAY['STAGE_ENTERED', 'QUEUED']);
        ev := ev || jsonb_build_object('kind', 'STAGE_LEFT', 'stage', OLD.stage, 'duration_seconds', extract(epoch FROM now() - since),
          'worker_id', OLD.lease_owner, 'fencing_token', OLD.fencing_token);
      END IF;
      IF swept THEN
        ev := ev || jsonb_build_object('kind', 'LEASE_LOST', 'stage', OLD.stage, 'step', OLD.steps_completed, 'worker_id', OLD.lease_owner,
          'fencing_token', OLD.fencing_token, 'detail', jsonb_build_object('attemptEnd', attempt_end, 'leaseExpiredAt', OLD.lease_expires_at));
      END IF;
      IF failed AND NEW.error_code = 'NAN_DETECTED' THEN
        ev := ev || jsonb_build_object('kind', 'NAN_DETECTED', 'stage', OLD.stage, 'step', OLD.steps_completed + 1, 'worker_id', OLD.lease_owner,
          'fencing_token', OLD.fencing_token, 'detail', jsonb_build_object('message', NEW.error_message));
      END IF;
      IF NEW.status = 'BLOCKED' THEN
        ev := ev || jsonb_build_object('kind', 'POSTFILTER_DECISION', 'stage', OLD.stage, 'worker_id', OLD.lease_owner,
          'fencing_token', OLD.fencing_token, 'detail', coalesce(NEW.metadata->'postfilter', '{}') || jsonb_build_object('verdict', 'blocked'));
      END IF;
      IF NEW.status = 'SUCCEEDED' AND OLD.stage = 'UPLOADING' THEN
        ev := ev || jsonb_build_object('kind', 'UPLOADED', 'stage', 'UPLOADING', 'worker_id', OLD.lease_owner, 'fencing_token', OLD.fencing_token,
          'detail', jsonb_build_object('key', NEW.video->>'key', 'bytes', NEW.video->'bytes'));
      END IF;
      IF NEW.status = 'QUEUED' THEN
        IF swept OR failed THEN
          ev := ev || jsonb_build_object('kind', 'RETRY_SCHEDULED', 'stage', OLD.stage, 'worker_id', OLD.lease_owner, 'fencing_token', OLD.fencing_token,
            'detail', jsonb_build_object('code', NEW.error_code, 'backoffSeconds', greatest(0, extract(epoch FROM NEW.run_after - now())),
              'attemptsLeft', NEW.max_attempts - NEW.attempts) || CASE WHEN swept THEN '{}' ELSE jsonb_build_object('attemptEnd', attempt_end) END);
        END IF;
        ev := ev || jsonb_build_object('kind', 'QUEUED', 'stage', 'QUEUED', 'detail', jsonb_build_object('position', job_timeline_position(NEW),
          'reason', CASE WHEN swept OR failed THEN 'retry' WHEN OLD.checkpoint IS NOT NULL AND NEW.checkpoint IS NULL THEN 'restarted' ELSE 'released' END)
          || CASE WHEN handed_back THEN jsonb_build_object('attemptEnd', attempt_end) ELSE '{}' END);
      ELSE
        IF NEW.status = 'CANCELLED' THEN
          ev := ev || jsonb_build_object('kind', 'CANCELLED', 'stage', NEW.stage, 'detail', coalesce(NEW.metadata->'cancel', '{}'));
        END IF;
        since := job_timeline_last(NEW.id, ARRAY['CLAIMED']);
        ev := ev || jsonb_build_object('kind', 'FINISHED', 'stage', NEW.stage, 'duration_seconds', extract(epoch FROM now() - since),
          'worker_id', OLD.lease_owner, 'fencing_token', OLD.fencing_token,
          'detail', jsonb_build_object('status', NEW.status, 'errorCode', NEW.error_code) || CASE WHEN swept THEN '{}' ELSE jsonb_build_object('attemptEnd', attempt_end) END);
      END IF;

    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
      -- Not running before or after: a queued job cancelled, a failed one retried by staff.
      IF NEW.status = 'QUEUED' THEN
        ev := ev || jsonb_build_object('kind', 'QUEUED', 'stage', 'QUEUED', 'detail', jsonb_build_object('position', job_timeline_position(NEW),
          'reason', CASE WHEN OLD.status = 'FAILED' THEN 'staff retry' ELSE 'requeued' END, 'retry', NEW.metadata->'staffRetries'->-1));
      ELSE
        IF NEW.status = 'CANCELLED' THEN
          ev := ev || jsonb_build_object('kind', 'CANCELLED', 'stage', NEW.stage, 'detail', coalesce(NEW.metadata->'cancel', '{}'));
        END IF;
        ev := ev || jsonb_build_object('kind', 'FINISHED', 'stage', NEW.stage, 'detail', jsonb_build_object('status', NEW.status, 'errorCode', NEW.error_code));
      END IF;
    END IF;
  END IF;

  IF jsonb_array_length(ev) > 0 THEN
    INSERT INTO job_events (job_id, kind, stage, step, duration_seconds, worker_id, fencing_token, detail)
    SELECT NEW.id, e.kind, e.stage::"JobStage", e.step, e.duration_seconds, e.worker_id, e.fencing_token, coalesce(e.detail, '{}')
    FROM ROWS FROM (jsonb_to_recordset(ev) AS (kind text, stage text, step int, duration_seconds float8, worker_id text, fencing_token bigint, detail jsonb))
      WITH ORDINALITY AS e(kind, stage, step, duration_seconds, worker_id, fencing_token, detail, n)
    ORDER BY e.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "jobs_timeline_insert" AFTER INSERT ON "jobs" FOR EACH ROW EXECUTE FUNCTION "job_timeline"();
-- Not on the per-step progress write (same stage, same everything below): that one never runs the trigger.
CREATE TRIGGER "jobs_timeline_update" AFTER UPDATE ON "jobs" FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.stage IS DISTINCT FROM NEW.stage
       OR OLD.fencing_token IS DISTINCT FROM NEW.fencing_token OR OLD.checkpoint IS DISTINCT FROM NEW.checkpoint
       OR OLD.cancel_requested_at IS DISTINCT FROM NEW.cancel_requested_at)
    EXECUTE FUNCTION "job_timeline"();
