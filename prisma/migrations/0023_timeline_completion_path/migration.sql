-- Kinema 0023: the timeline's completion events on a path of their own, as 0021 did for the claim. Every
-- completion (RUNNING -> SUCCEEDED, completeJobs) ran the whole job_timeline() (0008): the lease-end branch
-- builds a jsonb array event by event, unpacks it with jsonb_to_recordset into one INSERT, and asks
-- job_timeline_last(), a SQL function planned again at every call, twice (the stage's start, the claim).
-- EXPLAIN ANALYZE of completeJobs (2,000 queued, one job a statement, the shared 2-core machine): the
-- trigger took 0.16-0.25 ms of a 0.34-0.46 ms execution.
--
-- job_timeline_completed() writes the rows job_timeline() writes for this case, in the same order, from
-- one plain INSERT whose plan PL/pgSQL keeps for the session:
--   STAGE_LEFT    of the stage the job was in (unless QUEUED or DONE), its duration since the latest
--                 STAGE_ENTERED/QUEUED event;
--   UPLOADED      when that stage was UPLOADING, with the video's key and bytes;
--   FINISHED      in the new stage, its duration since the latest CLAIMED event, detail {status,
--                 errorCode, attemptEnd {outcome, errorCode: null, stepsCompleted, attempts}}.
-- Worker id and fencing token are the ending lease's (OLD) on all three, as in job_timeline().
--
-- Which completions take it (the trigger's WHEN): RUNNING -> SUCCEEDED under the same fencing token (not
-- the sweep's LEASE_LOST), no cancel request set with it (no CANCEL_REQUESTED to write) and
-- metadata.failures unchanged (so job_timeline()'s `failed` is false: no NAN_DETECTED, attemptEnd's
-- errorCode null). Anything else, a removed job's completion ending CANCELLED included, takes the general
-- trigger, whose WHEN now leaves out exactly this case and 0021's (both conditions are null-safe:
-- status, stage and fencing_token are NOT NULL, the rest compared with IS NOT DISTINCT FROM, so every
-- change runs exactly one of the timeline triggers). One difference, outside what the columns mean:
-- job_timeline() errors on a metadata.failures that is not an array (jsonb_array_length); this path does
-- not read it when it did not change. test/timeline-paths.test.ts finishes the same job through both
-- paths in one transaction and compares the rows.
CREATE FUNCTION "job_timeline_completed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (job_id, kind, stage, duration_seconds, worker_id, fencing_token, detail)
  SELECT NEW.id, e.kind, e.stage, e.duration_seconds, OLD.lease_owner, OLD.fencing_token, e.detail
  FROM (VALUES
    (1, OLD.stage NOT IN ('QUEUED', 'DONE'), 'STAGE_LEFT', OLD.stage,
     extract(epoch FROM now() - (SELECT at FROM job_events WHERE job_id = NEW.id AND kind IN ('STAGE_ENTERED', 'QUEUED') ORDER BY id DESC LIMIT 1))::float8,
     '{}'::jsonb),
    (2, OLD.stage = 'UPLOADING', 'UPLOADED', 'UPLOADING'::"JobStage", NULL,
     jsonb_build_object('key', NEW.video->>'key', 'bytes', NEW.video->'bytes')),
    (3, true, 'FINISHED', NEW.stage,
     extract(epoch FROM now() - (SELECT at FROM job_events WHERE job_id = NEW.id AND kind = 'CLAIMED' ORDER BY id DESC LIMIT 1))::float8,
     jsonb_build_object('status', NEW.status, 'errorCode', NEW.error_code, 'attemptEnd', jsonb_build_object(
       'outcome', NEW.status::text, 'errorCode', NULL::text, 'stepsCompleted', OLD.steps_completed, 'attempts', OLD.attempts)))
  ) AS e(n, wanted, kind, stage, duration_seconds, detail)
  WHERE e.wanted
  ORDER BY e.n;
  RETURN NULL;
END $$;

CREATE TRIGGER "jobs_timeline_complete" AFTER UPDATE ON "jobs" FOR EACH ROW
    WHEN (OLD.status = 'RUNNING' AND NEW.status = 'SUCCEEDED' AND OLD.fencing_token = NEW.fencing_token
      AND OLD.cancel_requested_at IS NOT DISTINCT FROM NEW.cancel_requested_at
      AND (OLD.metadata -> 'failures') IS NOT DISTINCT FROM (NEW.metadata -> 'failures'))
    EXECUTE FUNCTION "job_timeline_completed"();

DROP TRIGGER "jobs_timeline_update" ON "jobs";
-- 0008's trigger, less the claims (0021) and the completions above.
CREATE TRIGGER "jobs_timeline_update" AFTER UPDATE ON "jobs" FOR EACH ROW
    WHEN ((OLD.status IS DISTINCT FROM NEW.status OR OLD.stage IS DISTINCT FROM NEW.stage
       OR OLD.fencing_token IS DISTINCT FROM NEW.fencing_token OR OLD.checkpoint IS DISTINCT FROM NEW.checkpoint
       OR OLD.cancel_requested_at IS DISTINCT FROM NEW.cancel_requested_at)
      AND NOT (OLD.status = 'QUEUED' AND NEW.status = 'RUNNING'
        AND OLD.cancel_requested_at IS NOT DISTINCT FROM NEW.cancel_requested_at)
      AND NOT (OLD.status = 'RUNNING' AND NEW.status = 'SUCCEEDED' AND OLD.fencing_token = NEW.fencing_token
        AND OLD.cancel_requested_at IS NOT DISTINCT FROM NEW.cancel_requested_at
        AND (OLD.metadata -> 'failures') IS NOT DISTINCT FROM (NEW.metadata -> 'failures')))
    EXECUTE FUNCTION "job_timeline"();
