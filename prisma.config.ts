// Prisma CLI configuration. Prisma 6.19 runs migrations offline only through its WebAssembly schema
// engine ("js") over a driver adapter; see ../shared/DEPENDENCIES.md for the three traps handled here.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

// Columns of type `name` (19) and `char` (18) come back as text; the adapter cannot read them otherwise.
for (const oid of [19, 18]) pg.types.setTypeParser(oid as never, (value: string) => value);

function connectionFields(url: string) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || "postgres"),
    password: decodeURIComponent(parsed.password) || undefined,
    database: parsed.pathname.slice(1),
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    // Separate fields, not a connectionString: a string silently overrides the shadow database name.
    const url = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const fields = connectionFields(url);
    const adapter = new PrismaPg(fields);
    const shadowUrl = process.env.SHADOW_DATABASE_URL;
    if (shadowUrl) {
      // Our own shadow connector closes its pool before Prisma drops the shadow database.
      Object.assign(adapter, {
        connectToShadowDb: async () => new PrismaPg(connectionFields(shadowUrl)).connect(),
      });
    }
    return adapter;
  },
});
