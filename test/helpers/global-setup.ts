// Migrates a template database once per run; each test file clones it (CREATE DATABASE ... TEMPLATE),
// which takes ~100 ms instead of re-running migrations.
import pg from "pg";
import { migrate } from "../../src/db/migrate.js";
import { ADMIN_URL, TEMPLATE_DB } from "./db.js";

export default async function setup(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const template = new pg.Client({ connectionString: withDatabase(ADMIN_URL, TEMPLATE_DB) });
  await template.connect();
  try {
    await migrate(template);
  } finally {
    await template.end();
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
