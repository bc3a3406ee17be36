-- Kinema 0025: fewer index entries per status change of a job. A claim and a completion each write a new
-- version of the job's row that no HOT update can take (status is in partial indexes' predicates), so every
-- index whose predicate holds gets an entry for it, twice per job. Two of those entries bought nothing:
--
-- 1. The prompt's full-text index (jobs_prompt_fts_idx, 0007) computed to_tsvector of the prompt and
--    inserted it into the GIN index at every status change, though the prompt is written once (and
--    redacted once, on deletion). The document now lives in job_prompts, one row per job, written by the
--    jobs triggers below when the prompt is inserted or changes; staff search (src/staff/sql/searchJobs.ts)
--    joins it. Same 'simple' configuration, same words found.
-- 2. The idempotency key's unique index covered every job, though most have no key: an entry per status
--    change for (account_id, NULL). It is now partial, on the jobs that have a key; the uniqueness it
--    enforces is the same (NULL keys never conflicted), and a look-up by key (JobService) still uses it.
--
-- Measured on this 2-core machine, claim + completion of one job (claim_jobs, then the completeJobs
-- statement) in pgbench, one client, 20,000 queued, bench prompts: each change alone gave ~5-15% more
-- pairs a second; both in bench:queue: see docs/DEPLOY.md.

CREATE TABLE "job_prompts" (
    "job_id" UUID NOT NULL,
    "document" TSVECTOR NOT NULL,
    CONSTRAINT "job_prompts_pkey" PRIMARY KEY ("job_id")
);
-- Kept exactly as long as the job.
ALTER TABLE "job_prompts" ADD CONSTRAINT "job_prompts_job_id_fkey"
    FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "job_prompts_fts_idx" ON "job_prompts" USING GIN ("document");

INSERT INTO "job_prompts" ("job_id", "document") SELECT "id", to_tsvector('simple', "prompt") FROM "jobs";

-- The document follows the prompt: a new job, a redaction.
CREATE FUNCTION "job_prompt_document"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_prompts (job_id, document) VALUES (NEW.id, to_tsvector('simple', NEW.prompt))
  ON CONFLICT (job_id) DO UPDATE SET document = EXCLUDED.document;
  RETURN NULL;
END $$;
CREATE TRIGGER "jobs_prompt_insert" AFTER INSERT ON "jobs" FOR EACH ROW EXECUTE FUNCTION "job_prompt_document"();
CREATE TRIGGER "jobs_prompt_update" AFTER UPDATE OF "prompt" ON "jobs" FOR EACH ROW
    WHEN (OLD."prompt" IS DISTINCT FROM NEW."prompt") EXECUTE FUNCTION "job_prompt_document"();

DROP INDEX "jobs_prompt_fts_idx";

CREATE UNIQUE INDEX "jobs_account_id_idempotency_key_partial_key" ON "jobs"("account_id", "idempotency_key")
    WHERE "idempotency_key" IS NOT NULL;
DROP INDEX "jobs_account_id_idempotency_key_key";
ALTER INDEX "jobs_account_id_idempotency_key_partial_key" RENAME TO "jobs_account_id_idempotency_key_key";
