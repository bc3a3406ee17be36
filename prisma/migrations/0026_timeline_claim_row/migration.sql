-- Kinema 0026: a claim's timeline in one row. job_timeline_claimed() (0021) wrote three or four rows per
-- claim (STAGE_LEFT of the queue, CLAIMED, RESUMED from a checkpoint, STAGE_ENTERED of the first stage),
-- each a heap tuple, two index entries and a foreign-key check, inside the claim's statement. It now
-- writes one CLAIMED row that carries the rest; src/timeline/compact.ts expands it back into the same
-- events, field for field, when the timeline is read (test/timeline-paths.test.ts compares the two).
-- Measured in pgbench on this 2-core machine (20,000 queued, three rounds, before | after): claims alone,
-- one client, 1,154 / 1,079 / 1,116 | 1,500 / 1,600 / 1,228 claims/s (machine CPU 0.74-0.79 | 0.53-0.69 ms
-- a claim); claim + completion pairs, four clients, 896 / 1,037 / 883 | 1,059 / 1,072 / 847 a second.
--
-- The compact row: kind CLAIMED, stage, worker and fencing token as before; duration_seconds holds the
-- queue wait (STAGE_LEFT's duration) when the claim left the queue; detail holds the CLAIMED event's
-- own detail (attempts, maxAttempts) plus
--   "compact": true                       the marker the reader expands on;
--   "leftQueue": true                     STAGE_LEFT of QUEUED precedes CLAIMED (OLD.stage was QUEUED);
--   "resumed": {"step", "checkpoint"}     RESUMED follows (the run starts at a checkpoint's step);
--   "entered": true                       STAGE_ENTERED of the row's stage follows (not QUEUED).
-- Rows written before this migration, and claims that take the general trigger (a cancel request set in
-- the same statement), keep the four-row form; the reader takes both.
--
-- Look-backs that asked for the latest STAGE_ENTERED (when the current stage began) now also take a
-- compact claim that entered a stage: the general trigger's job_timeline_last() and the completion path.

CREATE OR REPLACE FUNCTION "job_timeline_last"(job UUID, kinds TEXT[]) RETURNS TIMESTAMPTZ LANGUAGE sql STABLE AS $$
  SELECT at FROM job_events WHERE job_id = job
    AND (kind = ANY(kinds) OR ('STAGE_ENTERED' = ANY(kinds) AND kind = 'CLAIMED' AND detail @> '{"entered": true}'))
  ORDER BY id DESC LIMIT 1
$$;

CREATE OR REPLACE FUNCTION "job_timeline_claimed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (job_id, kind, stage, duration_seconds, worker_id, fencing_token, detail)
  VALUES (NEW.id, 'CLAIMED', NEW.stage,
    CASE WHEN OLD.stage = 'QUEUED' THEN extract(epoch FROM now() - (
      SELECT at FROM job_events WHERE job_id = NEW.id
        AND (kind IN ('STAGE_ENTERED', 'QUEUED') OR (kind = 'CLAIMED' AND detail @> '{"entered": true}'))
      ORDER BY id DESC LIMIT 1))::float8 END,
    NEW.lease_owner, NEW.fencing_token,
    jsonb_build_object('attempts', NEW.attempts, 'maxAttempts', NEW.max_attempts, 'compact', true)
      || CASE WHEN OLD.stage = 'QUEUED' THEN '{"leftQueue": true}'::jsonb ELSE '{}'::jsonb END
      || CASE WHEN NEW.steps_completed > 0
           THEN jsonb_build_object('resumed', jsonb_build_object('step', NEW.steps_completed, 'checkpoint', NEW.checkpoint))
           ELSE '{}'::jsonb END
      || CASE WHEN NEW.stage <> 'QUEUED' THEN '{"entered": true}'::jsonb ELSE '{}'::jsonb END);
  RETURN NULL;
END $$;

-- 0023's completion path, its stage look-back taking a compact claim too; otherwise unchanged.
CREATE OR REPLACE FUNCTION "job_timeline_completed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_events (job_id, kind, stage, duration_seconds, worker_id, fencing_token, detail)
  SELECT NEW.id, e.kind, e.stage, e.duration_seconds, OLD.lease_owner, OLD.fencing_token, e.detail
  FROM (VALUES
    (1, OLD.stage NOT IN ('QUEUED', 'DONE'), 'STAGE_LEFT', OLD.stage,
     extract(epoch FROM now() - (SELECT at FROM job_events WHERE job_id = NEW.id
       AND (kind IN ('STAGE_ENTERED', 'QUEUED') OR (kind = 'CLAIMED' AND detail @> '{"entered": true}'))
       ORDER BY id DESC LIMIT 1))::float8,
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
