// Migrates a template database once per run; each test file clones it (CREATE DATABASE ... TEMPLATE),
// which takes ~100 ms instead of re-running migrations.
import pg from "pg";
import { migrate } from "../../src/db/migrate.js";
import { adminQuery, databaseUrl } from "../../src/db/scratch.js";
import { ADMIN_URL, TEMPLATE_DB } from "./db.js";

export default async function setup(): Promise<void> {
  await adminQuery(ADMIN_URL, `DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await adminQuery(ADMIN_URL, `CREATE DATABASE ${TEMPLATE_DB}`);
  const template = new pg.Client({ connectionString: databaseUrl(ADMIN_URL, TEMPLATE_DB) });
  await template.connect();
  try {
    await migrate(template);
  } finally {
    await template.end();
  }
}
