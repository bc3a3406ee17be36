// Migrates a template database once per run; each test file clones it (CREATE DATABASE ... TEMPLATE),
// which takes ~100 ms instead of re-running migrations. The template's name is unique to this run and
// it is dropped at teardown, so concurrent runs on one server stay out of each other's way. It also says,
// before any test runs, which data sets from beside the repository are missing (their tests skip).
import pg from "pg";
import { migrate } from "../../src/db/migrate.js";
import { adminQuery, databaseUrl } from "../../src/db/scratch.js";
import { ADMIN_URL, newTemplateName } from "./db.js";
import { reportSharedTestData } from "./testdata.js";

export default async function setup(): Promise<() => Promise<void>> {
  reportSharedTestData();
  const template = newTemplateName();
  await adminQuery(ADMIN_URL, `CREATE DATABASE ${template}`);
  const client = new pg.Client({ connectionString: databaseUrl(ADMIN_URL, template) });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
  return async () => {
    await adminQuery(ADMIN_URL, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  };
}
