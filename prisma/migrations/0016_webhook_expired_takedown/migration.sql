-- The two statuses added beside webhooks (0011 TAKEN_DOWN, 0013 EXPIRED) become events an endpoint may
-- subscribe to: a job not started before its deadline, and a clip taken down (the payload is the job as
-- its owner sees it: no staff reason, no video).
INSERT INTO "webhook_status_events" ("status", "event") VALUES
    ('EXPIRED', 'job.expired'), ('TAKEN_DOWN', 'job.taken_down');
