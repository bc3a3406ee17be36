-- Kinema 0015: the hash bank in the database, and safety incidents.
--
-- hash_bank_entries: the PDQ hashes the post-filter's every-frame gate matches against (imported from a
-- hash-list file with `kinema bank import`, or added by an admin). Rows are never deleted: disabling one
-- (a false positive, a withdrawn list) sets disabled_at, so what was matched when stays explainable.
-- (hash, category) is unique, so re-importing a list adds nothing twice. Every change bumps
-- hash_bank_set.version in the same statement; workers and API processes poll it (a primary-key read)
-- and reload the enabled entries when it moves, without a restart.
CREATE TABLE "hash_bank_set" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "hash_bank_set_pkey" PRIMARY KEY ("id")
);
INSERT INTO "hash_bank_set" ("id", "version") VALUES (1, 1);

-- hash: 64 lowercase hex digits (checked by the code that writes: no CHECK, see 0003 on Prisma's engine).
-- added_by / disabled_by: an admin's account id, or "cli:<os user>" for `kinema bank import`.
CREATE TABLE "hash_bank_entries" (
    "id" SERIAL NOT NULL,
    "hash" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "quality" INTEGER,
    "source" TEXT NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "added_by" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_by" TEXT,
    "disabled_reason" TEXT,
    CONSTRAINT "hash_bank_entries_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "hash_bank_entries_hash_category_key" ON "hash_bank_entries"("hash", "category");

-- safety_incidents: blocks grouped by what tripped them, for the weekly review. One OPEN incident per
-- (source, pattern): open_key is "source|pattern" while open and NULL once closed (a plain unique index
-- then allows one open incident per key and any number of closed ones; a later block opens a new one).
--   source: PREFILTER or POSTFILTER; pattern: the pre-filter's rule id ("rule:12", a hard rule's id),
--   "bank:<entry id>" for a hash-bank match, "classifier:<category>" for a classifier's block.
CREATE TABLE "safety_incidents" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "pattern" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "first_seen" TIMESTAMPTZ(3) NOT NULL,
    "last_seen" TIMESTAMPTZ(3) NOT NULL,
    "jobs_affected" INTEGER NOT NULL DEFAULT 0,
    "open_key" TEXT,
    "note" TEXT,
    "annotated_by" UUID,
    "annotated_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "closed_by" UUID,
    CONSTRAINT "safety_incidents_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "safety_incidents_open_key_key" ON "safety_incidents"("open_key");
CREATE INDEX "safety_incidents_last_seen_idx" ON "safety_incidents"("last_seen");

-- The jobs of each incident (jobs_affected counts them once each, whatever re-delivers the block).
CREATE TABLE "safety_incident_jobs" (
    "incident_id" INTEGER NOT NULL,
    "job_id" UUID NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "safety_incident_jobs_pkey" PRIMARY KEY ("incident_id", "job_id")
);

-- Written by the block itself: a trigger on jobs, in the same transaction as the row turning BLOCKED
-- (the pre-filter inserts its blocked jobs BLOCKED; the post-filter's blockJob updates to BLOCKED), so
-- no block can be missed by a crash or a code path that forgets. What tripped it is read from the job's
-- audit record: metadata.prefilter {category, ruleId}; metadata.postfilter {category, hashGate.matches[0]
-- {entryId, category}} (src/safety/scan/gate.ts, workers/runner.ts).
CREATE FUNCTION "safety_incident_record"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  src TEXT;
  pat TEXT;
  cat TEXT;
  hit JSONB;
  incident INTEGER;
  at TIMESTAMPTZ := coalesce(NEW."finished_at", now());
BEGIN
  IF NEW."metadata" ? 'postfilter' THEN
    src := 'POSTFILTER';
    hit := NEW."metadata" #> '{postfilter,hashGate,matches,0}';
    IF hit IS NOT NULL THEN
      -- a file bank's match may carry neither an entry id nor a label: still one incident, never a failed block
      pat := 'bank:' || coalesce(hit->>'entryId', 'label:' || (hit->>'label'), 'unknown');
      cat := coalesce(hit->>'category', NEW."metadata" #>> '{postfilter,category}', 'unknown');
    ELSE
      cat := coalesce(NEW."metadata" #>> '{postfilter,category}', 'unknown');
      pat := 'classifier:' || lower(cat);
    END IF;
  ELSIF NEW."metadata" #>> '{prefilter,verdict}' = 'blocked' THEN
    src := 'PREFILTER';
    pat := coalesce(NEW."metadata" #>> '{prefilter,ruleId}', 'unknown');
    cat := coalesce(NEW."metadata" #>> '{prefilter,category}', 'unknown');
  ELSE
    RETURN NULL; -- blocked by something that is not a safety filter: not an incident
  END IF;
  -- Whatever the record lacks, the block itself must commit: an incident's bookkeeping never refuses it.
  pat := coalesce(pat, 'unknown');
  cat := lower(coalesce(cat, 'unknown'));
  INSERT INTO "safety_incidents" ("source", "pattern", "category", "first_seen", "last_seen", "jobs_affected", "open_key")
  VALUES (src, pat, cat, at, at, 0, src || '|' || pat)
  ON CONFLICT ("open_key") DO UPDATE SET "last_seen" = greatest("safety_incidents"."last_seen", EXCLUDED."last_seen")
  RETURNING "id" INTO incident;
  INSERT INTO "safety_incident_jobs" ("incident_id", "job_id", "seen_at") VALUES (incident, NEW."id", at)
  ON CONFLICT DO NOTHING;
  IF FOUND THEN
    UPDATE "safety_incidents" SET "jobs_affected" = "jobs_affected" + 1 WHERE "id" = incident;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "jobs_safety_incident_insert" AFTER INSERT ON "jobs"
    FOR EACH ROW WHEN (NEW."status" = 'BLOCKED') EXECUTE FUNCTION "safety_incident_record"();
CREATE TRIGGER "jobs_safety_incident_update" AFTER UPDATE OF "status" ON "jobs"
    FOR EACH ROW WHEN (NEW."status" = 'BLOCKED' AND OLD."status" IS DISTINCT FROM 'BLOCKED') EXECUTE FUNCTION "safety_incident_record"();
