-- Kinema 0020: the claim's own index. The claim (src/queue/sql/claimJob.ts) takes a lane's head:
-- status = 'QUEUED', one tier, ORDER BY created_at, id. jobs_lane_idx (0004) serves that order, and so does
-- jobs_created_at_id_idx (0007, the staff pages' index) read backward, filtering by status and tier. When
-- the statistics say every row is queued (a backlog, or bench:queue's steady state), the planner rates the
-- two alike and took 0007's: it walks every job already claimed or finished before reaching the head,
-- more per claim as the queue drains (0.23 ms a claim after 200 claims, growing). Ordered by the id's text
-- (the same order as the uuid's: lowercase hex compares as the bytes do), the claim has exactly one index
-- that serves its order, this one, whatever the statistics say.
CREATE INDEX "jobs_claim_idx" ON "jobs"("tier", "created_at", ("id"::text)) WHERE "status" = 'QUEUED';
