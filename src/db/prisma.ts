// The Prisma client over @prisma/adapter-pg (no query-engine binary: engineType "client").
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { connectionFields } from "./pool.js";

export type Prisma = PrismaClient;

export function createPrisma(databaseUrl: string, max: number): PrismaClient {
  const adapter = new PrismaPg({ ...connectionFields(databaseUrl), max });
  return new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
}
