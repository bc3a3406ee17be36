-- Kinema 0028: the claim path no longer shares a lock with the completion path; a claim call writes its
-- timeline rows in one statement, and claims for several workers set-based.
--
-- 1. The burst cap's counter in two rows. scheduler_accounts.running (0004) was written by both a claim
--    (+1, on the row the claim locks to check the cap) and a finish (-1, 0024's trigger): a completion
--    batch locked its accounts' counter rows (finishJob.ts) and waited on every claim call that held one,
--    a claim skipped (SKIP LOCKED) every account whose row a completion held. Sampled in bench:queue at 16
--    workers, a completion spent ~70% of its time waiting on a claim's lock (pg_stat_activity,
--    wait_event transactionid). Now:
--      scheduler_accounts.entered          jobs that entered RUNNING (claims, inserts): written by the
--                                          claimer, which holds this row locked, as before;
--      scheduler_account_exits.exited      jobs that left RUNNING (finish, sweep, delete): written by the
--                                          finisher only; nobody who claims locks it.
--    An account's running jobs are entered - exited (never below 0: the view scheduler_account_load).
--    Why the cap still holds exactly: a claim locks the entered row (SKIP LOCKED) and so reads its latest
--    value (EvalPlanQual); it reads exited from its statement's snapshot without a lock. exited only
--    grows, so a snapshot's value can be older, never larger, than the truth: a claim may see a job as
--    still running that has just finished (it takes another account's job, or the next claim takes this
--    one), never the reverse. Both counters only grow (bigint); a drift (a deleted row, a disabled
--    trigger) is repaired by the reconciler (reconcileCounters.ts), which sets entered = exited + count.
-- 2. A claim call's timeline rows (0026's compact CLAIMED row, one per claim) were written by a trigger on
--    each claim's UPDATE: a trigger call and an INSERT statement per job. claim_jobs now writes them at its
--    end, in one INSERT, the same rows field for field (the trigger's OLD.stage is the stage the claim found,
--    NEW the row as the transaction left it). It tells the trigger to stand aside with a transaction-local
--    setting (kinema.claim_timeline = 'batched', set for the call only, and only while the trigger is
--    enabled: an operator who disables it gets no rows from the call either); any other statement that
--    moves a job from QUEUED to RUNNING still gets its row from the trigger.
-- 3. A call for several workers under fair share claims set-based: the stride (LaneClock.served) plans
--    each lane's slots, one pick per lane locks that many of its oldest claimable jobs and cuts where an
--    account would pass its cap, the stride runs again over what the lanes supplied and gives each slot
--    the job the per-slot loop would have given it, and one UPDATE claims them; the loop (0022's, with the
--    cap read as in 1.) runs for what is left (accounts without a counter row, jobs that avoid one of the
--    call's workers, fair share off, a lone slot). Fencing tokens are drawn in slot order.
-- Measured (claim_jobs over 12,000 queued, 64 accounts, one session; tmp harness): 64 slots a call 12.3 ->
-- 4.8 ms, 17 slots 3.9 -> 2.2 ms; bench:queue before and after: docs/DEPLOY.md.

-- The tables in the order the queue's statements take them (jobs, then the counters): a claim or a
-- completion in flight holds jobs and waits for scheduler_accounts; taken the other way round (the new
-- column first, the trigger on jobs below), this migration and such a statement would wait on each other.
LOCK TABLE "jobs", "scheduler_accounts" IN ACCESS EXCLUSIVE MODE;

-- A new column, not a rename: the previous release still reads `running` while it serves during the
-- rollout or after a roll-back (its reconciler recounts and writes it, its KEDA query reads it). Nothing of
-- this release reads or writes it and the triggers no longer keep it; a later release drops it (expand,
-- then contract: docs/DEPLOY.md, Rolling upgrades).
ALTER TABLE "scheduler_accounts" ADD COLUMN "entered" BIGINT NOT NULL DEFAULT 0;
UPDATE "scheduler_accounts" SET "entered" = "running";

CREATE TABLE "scheduler_account_exits" (
    "account_id" UUID NOT NULL,
    "exited" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "scheduler_account_exits_pkey" PRIMARY KEY ("account_id")
);
ALTER TABLE "scheduler_account_exits" ADD CONSTRAINT "scheduler_account_exits_account_id_fkey"
    FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- every counted account gets its exits row now: a finisher never has to create one
INSERT INTO "scheduler_account_exits" ("account_id", "exited") SELECT "account_id", 0 FROM "scheduler_accounts";

-- A new account gets both rows (0004's trigger made the first).
CREATE OR REPLACE FUNCTION "scheduler_account_created"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO scheduler_accounts (account_id) VALUES (NEW.id) ON CONFLICT (account_id) DO NOTHING;
  INSERT INTO scheduler_account_exits (account_id) VALUES (NEW.id) ON CONFLICT (account_id) DO NOTHING;
  RETURN NULL;
END $$;

CREATE VIEW "scheduler_account_load" AS
SELECT a."account_id", greatest(a."entered" - coalesce(x."exited", 0), 0)::int AS "running"
FROM "scheduler_accounts" a LEFT JOIN "scheduler_account_exits" x ON x."account_id" = a."account_id";

-- Whoever could read the counters can read the view (the KEDA role of docs/DEPLOY.md reads it now).
DO $$
DECLARE g record;
BEGIN
  FOR g IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
           WHERE table_schema = current_schema() AND table_name = 'scheduler_accounts' AND privilege_type = 'SELECT'
             AND grantee <> current_user
  LOOP
    EXECUTE format('GRANT SELECT ON "scheduler_account_load" TO %s', CASE WHEN g.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(g.grantee) END);
  END LOOP;
END $$;

-- Entering RUNNING: +1 on the claimer's row. A new row (an account never counted, or whose row was
-- deleted) starts from the account's exits, so its first job counts as one; its exits row is made too.
CREATE OR REPLACE FUNCTION "scheduler_running_entered"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE scheduler_accounts SET entered = entered + 1 WHERE account_id = NEW.account_id;
  IF NOT FOUND THEN
    INSERT INTO scheduler_account_exits (account_id, exited) VALUES (NEW.account_id, 0)
    ON CONFLICT (account_id) DO NOTHING;
    INSERT INTO scheduler_accounts (account_id, entered)
    VALUES (NEW.account_id, 1 + (SELECT exited FROM scheduler_account_exits WHERE account_id = NEW.account_id))
    ON CONFLICT (account_id) DO UPDATE SET entered = scheduler_accounts.entered + 1;
  END IF;
  RETURN NULL;
END $$;

-- Leaving RUNNING: +1 on the finisher's row (made if missing, unless the account is gone).
CREATE OR REPLACE FUNCTION "scheduler_running_left"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE scheduler_account_exits SET exited = exited + 1 WHERE account_id = OLD.account_id;
  IF NOT FOUND THEN
    INSERT INTO scheduler_account_exits (account_id, exited)
    SELECT OLD.account_id, 1 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id)
    ON CONFLICT (account_id) DO UPDATE SET exited = scheduler_account_exits.exited + 1;
  END IF;
  RETURN NULL;
END $$;

-- The claim trigger stands aside while claim_jobs() writes its own rows (2. above).
DROP TRIGGER "jobs_timeline_claim" ON "jobs";
CREATE TRIGGER "jobs_timeline_claim" AFTER UPDATE ON "jobs" FOR EACH ROW
    WHEN (OLD.status = 'QUEUED' AND NEW.status = 'RUNNING' AND NOT (OLD.cancel_requested_at IS DISTINCT FROM NEW.cancel_requested_at)
      AND current_setting('kinema.claim_timeline', true) IS DISTINCT FROM 'batched')
    EXECUTE FUNCTION "job_timeline_claimed"();

-- claim_jobs (0022), with the cap read as entered - exited (1.), the timeline rows written at the end (2.)
-- and a set-based first part (3.).
CREATE OR REPLACE FUNCTION "claim_jobs"(worker_ids text[], lease_ms integer, first_stage "JobStage", plus_pass float8, free_pass float8)
RETURNS TABLE (
  slot integer, id uuid, account_id uuid, tier "Tier", status "JobStatus", stage "JobStage", prompt text,
  resolution text, width integer, height integer, duration_seconds integer, fps integer, seed bigint,
  step_budget integer, steps_completed integer, attempts integer, max_attempts integer, fencing_token bigint,
  metadata jsonb, checkpoint jsonb, queue_wait_seconds float8, age_seconds float8, first_claim boolean, weights jsonb
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  n integer := coalesce(array_length(worker_ids, 1), 0);
  w text;
  r record;
  p_plus float8 := plus_pass;
  p_free float8 := free_pass;
  s_plus float8;
  s_free float8;
  lowest float8;
  timeline boolean;
  claimed uuid[] := '{}';
  left_stages "JobStage"[] := '{}';
  -- the set-based part
  cfg record;
  sim_plus float8;
  sim_free float8;
  taken_plus integer;
  taken_free integer;
  want_plus integer := 0;
  want_free integer := 0;
  served_lane "Tier";
  pick_lane "Tier";
  pick_count integer;
  pick_cap integer;
  pick_found integer;
  picked uuid[];
  picked_accounts uuid[];
  taken uuid[] := '{}';
  plus_ids uuid[] := '{}';
  free_ids uuid[] := '{}';
  order_ids uuid[] := '{}';
  first_slot integer := 1;
BEGIN
  -- This call writes its claims' timeline rows itself, in one statement at the end (below), in place of the
  -- claim trigger: only while that trigger is enabled (an operator who disables it gets no rows either).
  timeline := EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'jobs'::regclass AND tgname = 'jobs_timeline_claim' AND tgenabled <> 'D');
  IF timeline THEN PERFORM set_config('kinema.claim_timeline', 'batched', true); END IF;

  -- Several workers under fair share: their claims are made set-based (a pick per lane, one UPDATE)
  -- instead of one statement each; the loop below runs only for the slots this part leaves.
  --   1. The stride (LaneClock.served) over the n slots with both lanes busy: how many slots each lane has.
  --   2. Each lane's oldest claimable jobs, that many, locked SKIP LOCKED with their accounts' counter rows,
  --      and cut where an account would pass its cap (row_number per account against cap - running - what
  --      this call took); a pick cut short with jobs behind it is repeated; a lane that comes up short
  --      leaves its slots to the other lane's next jobs.
  --   3. The stride again, with what each lane supplied: slot i gets the job the loop's i-th claim would
  --      (the lane whose turn it is while it has jobs, else the other; FIFO within a lane), and the passes
  --      end where the loop's would.
  -- Left to the loop, for the slots this part leaves: jobs of accounts without an entered row (`_o`; a new
  -- account gets one from its insert trigger, so only a drift the reconciler repairs lacks it), jobs that
  -- avoid one of this call's workers (the loop gives them to another worker), fair share off, a PLUS cap
  -- below the FREE one (a PLUS claim's cap must count the FREE claims slotted before it). When this part
  -- fills every slot, such jobs wait for a later call (one without the avoided worker, or with slots to
  -- spare; an avoidance lapses after 30 s). An account with jobs in both lanes (its tier changed while
  -- they queued) has its FREE pick count the call's PLUS picks wherever they fall in slot order: never
  -- past a cap, at most a FREE job fewer than the loop would start.
  SELECT c.fair_share, c.plus_weight, c.free_weight, c.plus_burst_cap, c.free_burst_cap INTO cfg
  FROM scheduler_config c WHERE c.id = 1;
  IF n > 1 AND cfg.fair_share AND cfg.plus_burst_cap >= cfg.free_burst_cap THEN
    FOR pass_no IN 1 .. 2 LOOP
      sim_plus := p_plus; sim_free := p_free; taken_plus := 0; taken_free := 0;
      FOR i IN 1 .. n LOOP
        IF pass_no = 1 THEN
          served_lane := CASE WHEN sim_plus <= sim_free THEN 'PLUS' ELSE 'FREE' END;
        ELSIF taken_plus < cardinality(plus_ids) AND (sim_plus <= sim_free OR taken_free >= cardinality(free_ids)) THEN
          served_lane := 'PLUS';
        ELSIF taken_free < cardinality(free_ids) THEN
          served_lane := 'FREE';
        ELSE
          EXIT;
        END IF;
        IF served_lane = 'PLUS' THEN taken_plus := taken_plus + 1; ELSE taken_free := taken_free + 1; END IF;
        lowest := greatest(sim_plus, sim_free) - greatest(1 / cfg.plus_weight, 1 / cfg.free_weight);
        IF served_lane = 'PLUS' THEN sim_plus := greatest(sim_plus, lowest) + 1 / cfg.plus_weight;
        ELSE sim_free := greatest(sim_free, lowest) + 1 / cfg.free_weight; END IF;
        lowest := least(sim_plus, sim_free);
        sim_plus := sim_plus - lowest;
        sim_free := sim_free - lowest;
        IF pass_no = 2 THEN
          order_ids := order_ids || CASE WHEN served_lane = 'PLUS' THEN plus_ids[taken_plus] ELSE free_ids[taken_free] END;
        END IF;
      END LOOP;
      CONTINUE WHEN pass_no = 2;
      want_plus := taken_plus;
      want_free := taken_free;
      -- PLUS's slots; FREE's and what PLUS could not fill; PLUS again for what FREE could not. A pick that
      -- came back cut by a cap, with more jobs behind it, is repeated for the rest: the accounts it filled
      -- are then full (their jobs this call took count: `taken`, an account id per job) and the next round
      -- walks past them.
      FOR pick_no IN 1 .. 3 LOOP
        pick_lane := CASE WHEN pick_no = 2 THEN 'FREE' ELSE 'PLUS' END;
        pick_cap := CASE WHEN pick_lane = 'PLUS' THEN cfg.plus_burst_cap ELSE cfg.free_burst_cap END;
        pick_count := CASE pick_no WHEN 1 THEN want_plus
          WHEN 2 THEN want_free + want_plus - cardinality(plus_ids)
          ELSE CASE WHEN cardinality(plus_ids) = want_plus THEN n - cardinality(plus_ids) - cardinality(free_ids) ELSE 0 END END;
        WHILE pick_count > 0 LOOP
          SELECT coalesce(array_agg(t.id ORDER BY t.n) FILTER (WHERE t.fits), '{}'),
            coalesce(array_agg(t.account_id ORDER BY t.n) FILTER (WHERE t.fits), '{}'), count(*)
          INTO picked, picked_accounts, pick_found FROM (
            SELECT p.id, p.account_id,
              row_number() OVER (ORDER BY p.created_at, p.tid) AS n,
              row_number() OVER (PARTITION BY p.account_id ORDER BY p.created_at, p.tid) + p.running <= pick_cap AS fits
            FROM (
              -- running: the account's count plus its jobs this call's picks took (one entry each in taken)
              SELECT q.id, q.account_id, q.created_at, q.id::text AS tid,
                greatest(a.entered - coalesce(x.exited, 0), 0) + cardinality(array_positions(taken, q.account_id)) AS running
              FROM jobs q JOIN scheduler_accounts a ON a.account_id = q.account_id
                LEFT JOIN scheduler_account_exits x ON x.account_id = q.account_id
              WHERE q.status = 'QUEUED' AND q.tier = pick_lane AND q.run_after <= now()
                AND (q.avoid_worker IS NULL OR q.run_after < now() - interval '30 seconds' OR q.avoid_worker <> ALL (worker_ids))
                AND (q.deadline_at IS NULL OR q.deadline_at > now() OR q.started_at IS NOT NULL)
                AND greatest(a.entered - coalesce(x.exited, 0), 0) + cardinality(array_positions(taken, q.account_id)) < pick_cap
                AND q.id <> ALL (plus_ids || free_ids)
              ORDER BY q.tier, q.created_at, q.id::text LIMIT pick_count
              FOR UPDATE OF q, a SKIP LOCKED
            ) p
          ) t;
          IF pick_lane = 'PLUS' THEN plus_ids := plus_ids || picked; ELSE free_ids := free_ids || picked; END IF;
          taken := taken || picked_accounts;
          -- done: the lane had no more (fewer than asked came back), or none was cut
          EXIT WHEN pick_found < pick_count OR cardinality(picked) = pick_count;
          pick_count := pick_count - cardinality(picked);
        END LOOP;
      END LOOP;
    END LOOP;
    p_plus := sim_plus;
    p_free := sim_free;
    first_slot := cardinality(order_ids) + 1;
    FOR r IN
      UPDATE jobs AS j SET
        status = 'RUNNING',
        stage = coalesce(first_stage, j.stage),
        steps_completed = coalesce((j.checkpoint->>'step')::int, 0),
        attempts = j.attempts + 1,
        lease_owner = worker_ids[s.n::int],
        lease_expires_at = now() + lease_ms * interval '1 millisecond',
        fencing_token = s.token,
        started_at = coalesce(j.started_at, now()),
        updated_at = now()
      -- tokens drawn in slot order (the order the loop would have claimed in), not the join's
      FROM (SELECT o.id, o.n, nextval('job_fencing_seq') AS token FROM unnest(order_ids) WITH ORDINALITY AS o(id, n)) s,
        LATERAL (SELECT q.stage FROM jobs q WHERE q.id = s.id) found
      WHERE j.id = s.id
      RETURNING s.n::int AS n, j.id, j.account_id, j.tier, j.status, j.stage, j.prompt, j.resolution, j.width, j.height,
        j.duration_seconds, j.fps, j.seed, j.step_budget, j.steps_completed, j.attempts, j.max_attempts,
        j.fencing_token, j.metadata, j.checkpoint,
        extract(epoch FROM j.started_at - j.created_at)::float8 AS queue_wait_seconds,
        extract(epoch FROM now() - j.created_at)::float8 AS age_seconds, j.started_at = j.updated_at AS first_claim,
        found.stage AS left_stage
    LOOP
      slot := r.n; id := r.id; account_id := r.account_id; tier := r.tier; status := r.status; stage := r.stage;
      prompt := r.prompt; resolution := r.resolution; width := r.width; height := r.height;
      duration_seconds := r.duration_seconds; fps := r.fps; seed := r.seed; step_budget := r.step_budget;
      steps_completed := r.steps_completed; attempts := r.attempts; max_attempts := r.max_attempts;
      fencing_token := r.fencing_token; metadata := r.metadata; checkpoint := r.checkpoint;
      queue_wait_seconds := r.queue_wait_seconds; age_seconds := r.age_seconds; first_claim := r.first_claim;
      weights := jsonb_build_object('fairShare', true, 'PLUS', cfg.plus_weight, 'FREE', cfg.free_weight);
      claimed := claimed || r.id;
      left_stages := left_stages || r.left_stage;
      RETURN NEXT;
    END LOOP;
  END IF;

  FOR i IN first_slot .. n LOOP
    w := worker_ids[i];
    -- The claim, as one statement per job (the former claimJob.ts CLAIM, $1..$5 now w, lease_ms,
    -- first_stage, p_plus, p_free). A SELECT CTE runs only when read, and coalesce() stops at its first
    -- non-null argument: the lanes are looked at in order and the claim stops at the first job found.
    WITH cfg AS (
      SELECT fair_share, plus_weight, free_weight, plus_burst_cap, free_burst_cap,
        CASE WHEN fair_share THEN p_plus <= p_free ELSE coalesce(
          (SELECT q.created_at FROM jobs q WHERE q.status = 'QUEUED' AND q.tier = 'PLUS' AND q.run_after <= now()
            ORDER BY q.tier, q.created_at, q.id::text LIMIT 1)
          <= (SELECT q.created_at FROM jobs q WHERE q.status = 'QUEUED' AND q.tier = 'FREE' AND q.run_after <= now()
            ORDER BY q.tier, q.created_at, q.id::text LIMIT 1),
          (SELECT q.created_at FROM jobs q WHERE q.status = 'QUEUED' AND q.tier = 'PLUS' AND q.run_after <= now()
            ORDER BY q.tier, q.created_at, q.id::text LIMIT 1) IS NOT NULL) END AS plus_first
      FROM scheduler_config WHERE id = 1
    ),
    -- Each lane's head: `_c`, the oldest claimable job whose account is under the cap, both rows locked;
    -- `_o`, one whose account has no counter row (it runs as if the account ran nothing; the status
    -- trigger then creates the row). The tier is a literal, so each lane walks jobs_claim_idx (0020).
    plus_c AS (
      SELECT j.id, j.stage FROM jobs j JOIN scheduler_accounts a ON a.account_id = j.account_id
        LEFT JOIN scheduler_account_exits x ON x.account_id = j.account_id
      WHERE j.status = 'QUEUED' AND j.tier = 'PLUS' AND j.run_after <= now()
        AND (j.avoid_worker IS NULL OR j.avoid_worker <> w OR j.run_after < now() - interval '30 seconds')
        AND (j.deadline_at IS NULL OR j.deadline_at > now() OR j.started_at IS NOT NULL)
        AND greatest(a.entered - coalesce(x.exited, 0), 0) < (SELECT plus_burst_cap FROM cfg)
      ORDER BY j.tier, j.created_at, j.id::text LIMIT 1
      FOR UPDATE OF j, a SKIP LOCKED
    ),
    plus_o AS (
      SELECT j.id, j.stage FROM jobs j
      WHERE j.status = 'QUEUED' AND j.tier = 'PLUS' AND j.run_after <= now()
        AND (j.avoid_worker IS NULL OR j.avoid_worker <> w OR j.run_after < now() - interval '30 seconds')
        AND (j.deadline_at IS NULL OR j.deadline_at > now() OR j.started_at IS NOT NULL)
        AND NOT EXISTS (SELECT 1 FROM scheduler_accounts a WHERE a.account_id = j.account_id)
      ORDER BY j.tier, j.created_at, j.id::text LIMIT 1
      FOR UPDATE OF j SKIP LOCKED
    ),
    free_c AS (
      SELECT j.id, j.stage FROM jobs j JOIN scheduler_accounts a ON a.account_id = j.account_id
        LEFT JOIN scheduler_account_exits x ON x.account_id = j.account_id
      WHERE j.status = 'QUEUED' AND j.tier = 'FREE' AND j.run_after <= now()
        AND (j.avoid_worker IS NULL OR j.avoid_worker <> w OR j.run_after < now() - interval '30 seconds')
        AND (j.deadline_at IS NULL OR j.deadline_at > now() OR j.started_at IS NOT NULL)
        AND greatest(a.entered - coalesce(x.exited, 0), 0) < (SELECT free_burst_cap FROM cfg)
      ORDER BY j.tier, j.created_at, j.id::text LIMIT 1
      FOR UPDATE OF j, a SKIP LOCKED
    ),
    free_o AS (
      SELECT j.id, j.stage FROM jobs j
      WHERE j.status = 'QUEUED' AND j.tier = 'FREE' AND j.run_after <= now()
        AND (j.avoid_worker IS NULL OR j.avoid_worker <> w OR j.run_after < now() - interval '30 seconds')
        AND (j.deadline_at IS NULL OR j.deadline_at > now() OR j.started_at IS NOT NULL)
        AND NOT EXISTS (SELECT 1 FROM scheduler_accounts a WHERE a.account_id = j.account_id)
      ORDER BY j.tier, j.created_at, j.id::text LIMIT 1
      FOR UPDATE OF j SKIP LOCKED
    ),
    next AS (
      SELECT CASE WHEN cfg.plus_first
        THEN coalesce((SELECT id FROM plus_c), (SELECT id FROM plus_o), (SELECT id FROM free_c), (SELECT id FROM free_o))
        ELSE coalesce((SELECT id FROM free_c), (SELECT id FROM free_o), (SELECT id FROM plus_c), (SELECT id FROM plus_o)) END AS id,
        -- the stage the job had (the timeline's OLD.stage): the same lanes in the same order, so the same row
        CASE WHEN cfg.plus_first
        THEN coalesce((SELECT stage FROM plus_c), (SELECT stage FROM plus_o), (SELECT stage FROM free_c), (SELECT stage FROM free_o))
        ELSE coalesce((SELECT stage FROM free_c), (SELECT stage FROM free_o), (SELECT stage FROM plus_c), (SELECT stage FROM plus_o)) END AS stage,
        cfg.fair_share, cfg.plus_weight, cfg.free_weight
      FROM cfg
    )
    UPDATE jobs AS j SET
      status = 'RUNNING',
      stage = coalesce(first_stage, j.stage),
      -- a new run starts where the last checkpoint left off, not where the last run happened to stop
      steps_completed = coalesce((j.checkpoint->>'step')::int, 0),
      attempts = j.attempts + 1,
      lease_owner = w,
      lease_expires_at = now() + lease_ms * interval '1 millisecond',
      fencing_token = nextval('job_fencing_seq'),
      started_at = coalesce(j.started_at, now()),
      updated_at = now()
    FROM next WHERE j.id = next.id
    RETURNING j.id, j.account_id, j.tier, j.status, j.stage, j.prompt, j.resolution, j.width, j.height,
      j.duration_seconds, j.fps, j.seed, j.step_budget, j.steps_completed, j.attempts, j.max_attempts,
      j.fencing_token, j.metadata, j.checkpoint,
      -- for metrics, on the database's clock: the claim set started_at and updated_at to the same now()
      -- only if this was the job's first claim
      extract(epoch FROM j.started_at - j.created_at)::float8 AS queue_wait_seconds,
      extract(epoch FROM now() - j.created_at)::float8 AS age_seconds, j.started_at = j.updated_at AS first_claim,
      next.fair_share, next.plus_weight, next.free_weight, next.stage AS left_stage
    INTO r;

    IF NOT FOUND THEN
      EXIT WHEN i = n OR NOT EXISTS (SELECT 1 FROM jobs q WHERE q.status = 'QUEUED' AND q.avoid_worker = w);
      CONTINUE;
    END IF;

    -- LaneClock.served: an idle lane's pass is first raised to (highest pass - largest stride), then the
    -- served lane advances one stride; both are rebased on the lower pass. Fair share off: passes unused.
    IF r.fair_share THEN
      s_plus := 1 / r.plus_weight;
      s_free := 1 / r.free_weight;
      lowest := greatest(p_plus, p_free) - greatest(s_plus, s_free);
      IF r.tier = 'PLUS' THEN p_plus := greatest(p_plus, lowest) + s_plus;
      ELSE p_free := greatest(p_free, lowest) + s_free; END IF;
      lowest := least(p_plus, p_free);
      p_plus := p_plus - lowest;
      p_free := p_free - lowest;
    END IF;

    slot := i; id := r.id; account_id := r.account_id; tier := r.tier; status := r.status; stage := r.stage;
    prompt := r.prompt; resolution := r.resolution; width := r.width; height := r.height;
    duration_seconds := r.duration_seconds; fps := r.fps; seed := r.seed; step_budget := r.step_budget;
    steps_completed := r.steps_completed; attempts := r.attempts; max_attempts := r.max_attempts;
    fencing_token := r.fencing_token; metadata := r.metadata; checkpoint := r.checkpoint;
    queue_wait_seconds := r.queue_wait_seconds; age_seconds := r.age_seconds; first_claim := r.first_claim;
    weights := jsonb_build_object('fairShare', r.fair_share, 'PLUS', r.plus_weight, 'FREE', r.free_weight);
    claimed := claimed || r.id;
    left_stages := left_stages || r.left_stage;
    RETURN NEXT;
  END LOOP;
  IF timeline THEN PERFORM set_config('kinema.claim_timeline', '', true); END IF;

  -- The claims' compact CLAIMED rows (0026), as job_timeline_claimed() writes them, in claim order: the row
  -- as this transaction left it is NEW, the stage the claim found (left_stages) OLD.stage.
  IF timeline AND cardinality(claimed) > 0 THEN
    INSERT INTO job_events (job_id, kind, stage, duration_seconds, worker_id, fencing_token, detail)
    SELECT j.id, 'CLAIMED', j.stage,
      CASE WHEN c.left_stage = 'QUEUED' THEN extract(epoch FROM now() - (
        SELECT e.at FROM job_events e WHERE e.job_id = j.id
          AND (e.kind IN ('STAGE_ENTERED', 'QUEUED') OR (e.kind = 'CLAIMED' AND e.detail @> '{"entered": true}'))
        ORDER BY e.id DESC LIMIT 1))::float8 END,
      j.lease_owner, j.fencing_token,
      jsonb_build_object('attempts', j.attempts, 'maxAttempts', j.max_attempts, 'compact', true)
        || CASE WHEN c.left_stage = 'QUEUED' THEN '{"leftQueue": true}'::jsonb ELSE '{}'::jsonb END
        || CASE WHEN j.steps_completed > 0
             THEN jsonb_build_object('resumed', jsonb_build_object('step', j.steps_completed, 'checkpoint', j.checkpoint))
             ELSE '{}'::jsonb END
        || CASE WHEN j.stage <> 'QUEUED' THEN '{"entered": true}'::jsonb ELSE '{}'::jsonb END
    FROM unnest(claimed, left_stages) WITH ORDINALITY AS c(id, left_stage, n)
    JOIN jobs j ON j.id = c.id
    ORDER BY c.n;
  END IF;
END $$;
