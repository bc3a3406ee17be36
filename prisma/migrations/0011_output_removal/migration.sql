-- Kinema 0011: removing a job's outputs (issue 16 "Deletion and retention", issue 17 "Takedown").
-- A deleted job stays as a tombstone (deleted_at, prompt redacted, video NULL); a clip past its tier's
-- retention loses its objects (outputs_removed_at, removal_reason 'retention'); a clip taken down by
-- staff or the re-scan becomes TAKEN_DOWN, its reason kept for staff only. A deleted account keeps its
-- row (jobs reference it) with deleted_at set and its keys revoked.
--
-- ADD VALUE inside a transaction is allowed (PostgreSQL 12+) as long as this transaction does not use
-- the new value, and it does not.
ALTER TYPE "JobStatus" ADD VALUE 'TAKEN_DOWN';

ALTER TABLE "jobs" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);
-- When the job's objects were removed from the store (by deletion, retention, takedown or an account's
-- deletion) and why: 'deleted' | 'retention' | 'takedown' | 'account'. NULL while they may still exist.
ALTER TABLE "jobs" ADD COLUMN "outputs_removed_at" TIMESTAMPTZ(3);
ALTER TABLE "jobs" ADD COLUMN "removal_reason" TEXT;
-- The staff's (or the re-scan's) words; the owner only ever sees a neutral sentence.
ALTER TABLE "jobs" ADD COLUMN "takedown_reason" TEXT;

ALTER TABLE "accounts" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);

-- The removal sweeper's two questions, each a small partial index: deleted jobs whose objects still wait
-- for the job to end (a running job is cancelled first), and delivered clips by age (retention).
CREATE INDEX "jobs_pending_removal_idx" ON "jobs"("finished_at") WHERE "deleted_at" IS NOT NULL AND "outputs_removed_at" IS NULL;
CREATE INDEX "jobs_retention_idx" ON "jobs"("tier", "finished_at") WHERE "video" IS NOT NULL;
