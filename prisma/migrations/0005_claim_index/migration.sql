-- Kinema 0005: the fair-share claim walks jobs_lane_idx (tier, created_at, id) within a lane. With the
-- FIFO-era jobs_queue_idx (created_at, id) also there, the planner picked it for the claim's per-lane
-- lookup (the lane's tier is a parameter there) and walked the whole queue filtering by tier: 0.9 ms a
-- claim at 2,000 queued instead of 0.35 ms. Every query that used it is served by jobs_lane_idx.
DROP INDEX "jobs_queue_idx";
