// GET /readyz: whether this API process can serve, i.e. reach its database (one `SELECT 1`). 200 or
// 503; Kubernetes takes a replica out of the Service on 503 and puts it back on 200. /healthz stays a
// liveness check that never touches the database: a database outage must not make Kubernetes restart
// every API replica, which would only drop the subscribers they still serve.
//
// The check runs on a connection of its own (a pool of one) when the process has a database URL: on the
// shared pool, a burst of requests queueing for a client would read as "not ready" and take every busy
// replica out of the Service at once (a load spike turned into an outage). Overlapping probes share one
// check, so a slow database gets one query per replica at a time, not one per probe.
import type { ServerResponse } from "node:http";
import type pg from "pg";
import type { Logger } from "../log.js";
import { createPool, type Sql } from "../db/pool.js";

/** Longer than this and the database counts as down (Kubernetes' probe timeout should be larger). */
export const READINESS_TIMEOUT_MS = 2_000;

export class DatabaseReadiness {
  private inFlight: Promise<string | null> | null = null;
  private lastProblem: string | null = null;
  private readonly own: pg.Pool | null;
  private readonly sql: Sql;

  /** `databaseUrl` null: check through `fallback` (embedded mode, whose database is in this process). */
  constructor(databaseUrl: string | null, fallback: Sql, private readonly log: Logger, private readonly timeoutMs = READINESS_TIMEOUT_MS) {
    this.own = databaseUrl ? createPool(databaseUrl, 1) : null;
    this.sql = this.own ?? fallback;
  }

  /** null when ready, else a short reason (no host names or credentials: the endpoint is public). */
  check(): Promise<string | null> {
    this.inFlight ??= this.probe().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  async respond(res: ServerResponse): Promise<void> {
    const problem = await this.check();
    const body = problem ? { ok: false, checks: { database: problem } } : { ok: true, checks: { database: "ok" } };
    res.writeHead(problem ? 503 : 200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body) + "\n");
  }

  async close(): Promise<void> {
    await this.own?.end();
  }

  private async probe(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no answer within ${this.timeoutMs} ms`), this.timeoutMs); });
    const query = this.sql.query("/* readyz */ SELECT 1").then(() => null, (error: unknown) => `unreachable (${codeOf(error)})`);
    const problem = await Promise.race([query, timeout]).finally(() => clearTimeout(timer));
    // Logged on a change only: a probe every few seconds would otherwise repeat the same line.
    if (problem !== this.lastProblem) {
      if (problem) this.log.warn({ problem }, "not ready: the database check failed");
      else this.log.info("ready: the database answers again");
      this.lastProblem = problem;
    }
    return problem;
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z0-9_]{1,20}$/.test(code) ? code : "error";
}
