// Configuration errors, as a person meets them: every entry point (`npm start`, `npm run worker`, the
// `kinema` CLI's database commands) started as a real process with several bad variables prints ONE
// report naming every problem, exits non-zero, and touches nothing (no database, no data directory).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kinema-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Field errors (bad numbers, an unknown enum value, a bad URL, unparseable JSON) and rules that tie
// variables together (heartbeat vs lease, S3 without a bucket, half a C2PA key pair), all at once.
const BAD = {
  PORT: "eighty",
  KINEMA_LEASE_MS: "5",
  KINEMA_HEARTBEAT_MS: "20000",
  KINEMA_STORE: "s3",
  KINEMA_ENGINE_PROFILE: "turbo",
  KINEMA_PUBLIC_URL: "not a url",
  KINEMA_NSFW_THRESHOLDS: "{Porn: high}",
  KINEMA_C2PA_CERT_CHAIN: "/nonexistent/chain.pem",
};
// Each bad variable above, and the rule about a missing bucket (KINEMA_HEARTBEAT_MS vs a lease that is
// itself invalid is not judged: the lease is reported instead).
const NAMED = ["PORT", "KINEMA_LEASE_MS", "KINEMA_S3_BUCKET", "KINEMA_ENGINE_PROFILE", "KINEMA_PUBLIC_URL", "KINEMA_NSFW_THRESHOLDS", "KINEMA_C2PA_CERT_CHAIN"];

function problemLines(message: string): string[] {
  return message.split("\n").filter((line) => line.startsWith("  "));
}

describe("loadConfig", () => {
  it("reports field errors and cross-variable rules in one report", () => {
    let error: unknown;
    try {
      loadConfig(BAD);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = problemLines((error as Error).message);
    for (const name of NAMED) expect(lines.some((l) => l.startsWith(`  ${name}:`)), name).toBe(true);
    expect(lines.filter((l) => l.startsWith("  KINEMA_HEARTBEAT_MS:"))).toEqual([]);
    // A valid lease brings the heartbeat rule back, still beside the field errors.
    const again = (() => { try { loadConfig({ ...BAD, KINEMA_LEASE_MS: "30000" }); } catch (e) { return e as Error; } })()!;
    expect(problemLines(again.message)).toContain("  KINEMA_HEARTBEAT_MS: must be at most half of KINEMA_LEASE_MS");
    expect(problemLines(again.message)).toContain("  PORT: Invalid input: expected number, received NaN");
  });

  it("takes a URL-signing secret of at least 32 base64url bytes, and names the problem otherwise", () => {
    const secret = "A".repeat(43); // 32 bytes
    expect(loadConfig({ KINEMA_URL_SIGNING_SECRET: secret }).delivery.signingSecret).toBe(secret);
    expect(loadConfig({}).delivery.signingSecret).toBeNull();
    for (const bad of ["short", `${"A".repeat(42)}`, `${"A".repeat(40)}+/==`]) {
      const error = (() => { try { loadConfig({ KINEMA_URL_SIGNING_SECRET: bad }); } catch (e) { return e as Error; } })();
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(problemLines(error!.message).join("\n"), bad).toMatch(/KINEMA_URL_SIGNING_SECRET: at least 32 random bytes, base64url/);
      expect(error!.message, "the value itself is never echoed").not.toContain(bad);
    }
  });

  it("accepts the defaults, and an empty variable counts as unset", () => {
    expect(loadConfig({}).port).toBe(4000);
    expect(loadConfig({ PORT: "", KINEMA_STORE: "" }).storage).toEqual({ kind: "disk" });
  });

  it("refuses a transaction pooler without a direct URL for session state, and a direct URL without a server", () => {
    const problems = (env: Record<string, string>) => { try { loadConfig(env); return []; } catch (e) { return problemLines((e as Error).message); } };
    const pooler = "postgresql://kinema@pgbouncer:6432/kinema";
    const direct = "postgresql://kinema@db:5432/kinema";
    expect(problems({ DATABASE_URL: pooler, KINEMA_DB_POOLER: "pgbouncer" })).toEqual([expect.stringMatching(/^ {2}DATABASE_DIRECT_URL: required when KINEMA_DB_POOLER=pgbouncer/)]);
    expect(problems({ DATABASE_URL: pooler, DATABASE_DIRECT_URL: pooler, KINEMA_DB_POOLER: "pgbouncer" })).toEqual(["  DATABASE_DIRECT_URL: must not be the pooler's DATABASE_URL when KINEMA_DB_POOLER=pgbouncer"]);
    expect(problems({ KINEMA_DB_POOLER: "pgbouncer" })).toEqual(["  KINEMA_DB_POOLER: pgbouncer needs DATABASE_URL (the pooler's address)"]);
    expect(problems({ DATABASE_DIRECT_URL: direct })).toEqual(["  DATABASE_DIRECT_URL: set it together with DATABASE_URL (embedded mode has no server)"]);
    expect(problems({ KINEMA_DB_POOLER: "odyssey" })[0]).toMatch(/^ {2}KINEMA_DB_POOLER: /);
    const config = loadConfig({ DATABASE_URL: pooler, DATABASE_DIRECT_URL: direct, KINEMA_DB_POOLER: "pgbouncer" });
    expect(config).toMatchObject({ databaseUrl: pooler, databaseDirectUrl: direct, pooler: "pgbouncer" });
    // Without a pooler the direct URL defaults to DATABASE_URL.
    expect(loadConfig({ DATABASE_URL: direct })).toMatchObject({ databaseDirectUrl: direct, pooler: "none" });
  });
});

interface Finished { code: number | null; stdout: string; stderr: string }

function start(entry: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", ...entry], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe("a process started with a bad configuration", () => {
  const entries: Record<string, string[]> = {
    "npm start (src/main.ts)": ["src/main.ts"],
    "npm run worker (workers/main.ts)": ["workers/main.ts"],
    "kinema accounts create": ["src/cli/main.ts", "accounts", "create", "--tier", "FREE"],
  };

  it("prints one report of every problem, exits non-zero, and opens no database", async () => {
    const dataDir = join(dir, "data");
    // A server that would refuse the connection: a process that got past its configuration would fail
    // differently (and embedded mode would create the data directory).
    const env = { ...BAD, DATABASE_URL: "postgresql://postgres@127.0.0.1:9/kinema", KINEMA_DATA_DIR: dataDir, LOG_LEVEL: "info" };
    const results = await Promise.all(Object.values(entries).map((entry) => start(entry, env)));
    for (const [i, what] of Object.keys(entries).entries()) {
      const { code, stdout, stderr } = results[i]!;
      expect(code, `${what}: ${stderr}`).not.toBe(0);
      expect(code, what).not.toBeNull();
      expect(stderr.match(/invalid configuration:/g), what).toHaveLength(1);
      const lines = problemLines(stderr);
      for (const name of NAMED) expect(lines.some((l) => l.startsWith(`  ${name}:`)), `${what}: ${name}`).toBe(true);
      expect(stderr, what).not.toMatch(/ECONNREFUSED|\n\s+at /); // no connection attempt, no stack trace
      expect(stdout, what).not.toMatch(/running|worker started/);
    }
    expect(existsSync(dataDir)).toBe(false);
  }, 180_000);
});
