-- Kinema 0006: API key lifecycle (issue 21). A key gets an optional name and a last-use time; the
-- last-use time is written by each API process at most once a minute per key (src/accounts/key-usage.ts),
-- never per request. `revoked_at` may lie in the future: a rotated key keeps working until then (the
-- rotation's grace period), and every check compares it with now().
ALTER TABLE "api_keys" ADD COLUMN "name" TEXT;
ALTER TABLE "api_keys" ADD COLUMN "last_used_at" TIMESTAMPTZ(3);
-- `apiKeys` and the per-account key cap read one account's keys, newest first.
CREATE INDEX "api_keys_account_id_created_at_idx" ON "api_keys"("account_id", "created_at" DESC);
