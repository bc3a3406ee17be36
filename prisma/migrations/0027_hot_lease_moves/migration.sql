-- Kinema 0027: a lease's move is a HOT update. jobs_lease_idx (0001) keyed the running jobs by
-- lease_expires_at, so every heartbeat (and every progress write that moved the lease) changed an indexed
-- column: a new row version that no HOT update could take, with an entry in every index whose predicate
-- holds (the primary key, both history indexes, this one) for each beat of each running job. Its
-- readers never needed the order: the lease sweeper looks at the running jobs (a few per GPU group) and
-- checks each one's expiry, the counter reconciler and admission control count them per account and in
-- all. Keyed by account_id, the running set serves all three, and a lease move touches no index: the
-- update stays on its page (HOT) when the page has room, which the fillfactor now leaves for the
-- heartbeats, progress rows and checkpoints a running job writes.
DROP INDEX "jobs_lease_idx";
CREATE INDEX "jobs_running_idx" ON "jobs"("account_id") WHERE "status" = 'RUNNING';
ALTER TABLE "jobs" SET (fillfactor = 85);
