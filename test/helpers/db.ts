// A database per test file, cloned from the migrated template. TEST_DATABASE_URL names the server
// (default: the local PostgreSQL, trust auth).
import { createScratchDatabase, type ScratchDatabase } from "../../src/db/scratch.js";

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const TEMPLATE_DB = "kinema_test_template";

export type TestDatabase = ScratchDatabase;

export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(ADMIN_URL, "kinema_test", TEMPLATE_DB);
}
