// Fails when generated code or the Prisma schema is out of step with its source:
//  1. src/generated/graphql.ts must be what graphql-codegen makes from schema/*.graphql;
//  2. prisma/schema.prisma must describe exactly the database that prisma/migrations builds
//     (a drift check through a throwaway shadow database on TEST_DATABASE_URL's server);
//  3. the Prisma client is regenerated, so it always matches prisma/schema.prisma.
import { spawnSync } from "node:child_process";
import { createScratchDatabase } from "../src/db/scratch.js";

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

function run(what: string, args: string[], env: Record<string, string> = {}): number {
  const result = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1", ...env } });
  if (result.status !== 0) {
    console.error(`check:generated: ${what} failed\n${result.stdout}\n${result.stderr}`);
  }
  return result.status ?? 1;
}

async function main(): Promise<number> {
  if (run("graphql-codegen --check (run `npm run codegen` to update src/generated/graphql.ts)",
    ["node_modules/@graphql-codegen/cli/cjs/bin.js", "--config", "codegen.yml", "--check", "--silent"]) !== 0) return 1;

  const shadow = await createScratchDatabase(ADMIN_URL, "kinema_shadow");
  const target = await createScratchDatabase(ADMIN_URL, "kinema_drift");
  try {
    const status = run("the drift check (prisma/schema.prisma differs from what prisma/migrations builds)", [
      "node_modules/prisma/build/index.js", "migrate", "diff", "--from-migrations", "prisma/migrations",
      "--to-schema-datamodel", "prisma/schema.prisma", "--exit-code",
    ], { DATABASE_URL: target.url, SHADOW_DATABASE_URL: shadow.url });
    if (status !== 0) return 1;
  } finally {
    await shadow.drop();
    await target.drop();
  }
  if (run("prisma generate", ["scripts/prisma-generate.mjs"]) !== 0) return 1;
  console.log("check:generated: GraphQL types, Prisma schema and client are up to date");
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
