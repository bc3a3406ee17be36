-- Kinema 0021: the timeline's claim events on a path of their own. Every claim (QUEUED -> RUNNING) ran the
-- whole job_timeline() (0008): a jsonb array built event by event, then unpacked by jsonb_to_recordset into
-- one INSERT, and job_timeline_last(), a SQL function planned again at every call. Measured inside the claim
-- statement (EXPLAIN ANALYZE, 2,000 queued jobs, the shared 2-core machine): 0.4-4 ms of a claim whose
-- own work is ~0.1 ms. job_timeline_claimed() writes the same rows (STAGE_LEFT of the queue with its
-- duration, CLAIMED with worker, attempt and fencing token, RESUMED from a checkpoint's step, STAGE_ENTERED
-- of the pipeline's first stage) in one plain INSERT whose plan PL/pgSQL keeps for the session.
-- The general trigger's WHEN leaves this one case out; everything else is unchanged.
CREATE FUNCTION "job_timeline_claimed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (job_id, kind, stage, step, duration_seconds, worker_id, fencing_token, detail)
  SELECT NEW.id, e.kind, e.stage, e.step, e.duration_seconds, e.worker_id, e.fencing_token, e.detail
  FROM (VALUES
    (1, OLD.stage = 'QUEUED', 'STAGE_LEFT', 'QUEUED'::"JobStage", NULL::int,
     extract(epoch FROM now() - (SELECT at FROM job_events WHERE job_id = NEW.id AND kind IN ('STAGE_ENTERED', 'QUEUED') ORDER BY id DESC LIMIT 1))::float8,
     NULL::text, NULL::bigint, '{}'::jsonb),
    (2, true, 'CLAIMED', NEW.stage, NULL, NULL, NEW.lease_owner, NEW.fencing_token,
     jsonb_build_object('attempts', NEW.attempts, 'maxAttempts', NEW.max_attempts)),
    (3, NEW.steps_completed > 0, 'RESUMED', NEW.stage, NEW.steps_completed, NULL, NEW.lease_owner, NEW.fencing_token,
     jsonb_build_object('checkpoint', NEW.checkpoint)),
    (4, NEW.stage <> 'QUEUED', 'STAGE_ENTERED', NEW.stage, NULL, NULL, NEW.lease_owner, NEW.fencing_token, '{}'::jsonb)
  ) AS e(n, wanted, kind, stage, step, duration_seconds, worker_id, fencing_token, detail)
  WHERE e.wanted
  ORDER BY e.n;
  RETURN NULL;
END $$;

-- A claim: from the queue to running, nothing else of the timeline's columns changed with it (a statement
-- that also set a cancel request takes the general path, which records that too).
CREATE TRIGGER "jobs_timeline_claim" AFTER UPDATE ON "jobs" FOR EACH ROW
    WHEN (OLD.status = 'QUEUED' AND NEW.status = 'RUNNING'
      AND OLD.cancel_requested_at IS NOT DISTINCT FROM NEW.cancel_requested_at)
    EXECUTE FUNCTION "job_timeline_claimed"();

DROP TRIGGER "jobs_timeline_update" ON "jobs";
-- 0008's trigger, less the claims above.
CREATE TRIGGER "jobs_timeline_update" AFTER UPDATE ON "jobs" FOR EACH ROW
    WHEN ((OLD.status IS DISTINCT FROM NEW.status OR OLD.stage IS DISTINCT FROM NEW.stage
       OR OLD.fencing_token IS DISTINCT FROM NEW.fencing_token OR OLD.checkpoint IS DISTINCT FROM NEW.checkpoint
       OR OLD.cancel_requested_at IS DISTINCT FROM NEW.cancel_requested_at)
      AND NOT (OLD.status = 'QUEUED' AND NEW.status = 'RUNNING'
        AND OLD.cancel_requested_at IS NOT DISTINCT FROM NEW.cancel_requested_at))
    EXECUTE FUNCTION "job_timeline"();
