// A database per test file, cloned from the migrated template. TEST_DATABASE_URL names the server
// (default: the local PostgreSQL, trust auth).
import { createScratchDatabase, type ScratchDatabase } from "../../src/db/scratch.js";

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

// One template per run (global setup names it and passes it down in the environment), so two runs
// on the same server never drop or clone each other's template.
const TEMPLATE_ENV = "KINEMA_TEST_TEMPLATE_DB";

export function newTemplateName(): string {
  const name = `kinema_test_template_${process.pid}_${Date.now().toString(36)}`;
  process.env[TEMPLATE_ENV] = name;
  return name;
}

function templateName(): string {
  const name = process.env[TEMPLATE_ENV];
  if (!name) throw new Error(`${TEMPLATE_ENV} is unset: run the tests through vitest (its global setup makes the template)`);
  return name;
}

export type TestDatabase = ScratchDatabase;

export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(ADMIN_URL, "kinema_test", templateName());
}
