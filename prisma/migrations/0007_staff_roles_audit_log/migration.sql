-- Kinema 0007: support staff (issue 15). A SUPPORT role between USER and ADMIN; suspended accounts;
-- an append-only audit log of every staff and admin action; indexes for the staff's cross-account job
-- search.
--
-- ADD VALUE inside a transaction is allowed (PostgreSQL 12+) as long as this transaction does not use
-- the new value, and it does not.
ALTER TYPE "Role" ADD VALUE 'SUPPORT' BEFORE 'ADMIN';

-- A suspended account's keys authenticate nobody (ACCOUNT_SUSPENDED); the reason is the staff's.
ALTER TABLE "accounts" ADD COLUMN "suspended_at" TIMESTAMPTZ(3);
ALTER TABLE "accounts" ADD COLUMN "suspended_reason" TEXT;

-- Who did what to what, why, and the target before and after, written in the transaction of the action
-- itself (src/audit/). Rows are never changed or removed: the triggers below refuse UPDATE, DELETE and
-- TRUNCATE for every role but a superuser who drops the triggers first, which is itself a schema change.
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor_account_id" UUID,
    "actor_role" "Role",
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT,
    "reason" TEXT,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_log_created_at_id_idx" ON "audit_log"("created_at" DESC, "id" DESC);
CREATE INDEX "audit_log_target_id_idx" ON "audit_log"("target_id");
CREATE INDEX "audit_log_actor_account_id_idx" ON "audit_log"("actor_account_id");

CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_log"
    FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();

-- Staff search across accounts, newest first (jobs_account_id_created_at_id_idx serves one account).
CREATE INDEX "jobs_created_at_id_idx" ON "jobs"("created_at" DESC, "id" DESC);
-- Prompt text search: full text with the 'simple' configuration (no stemming, any language), built in
-- (pg_trgm would need an extension PGlite does not load by default). Queries must use the same expression.
CREATE INDEX "jobs_prompt_fts_idx" ON "jobs" USING GIN (to_tsvector('simple', "prompt"));
