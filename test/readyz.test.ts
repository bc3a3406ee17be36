// /readyz (readiness: the database answers) against /healthz (liveness: the process answers), with an API
// whose only road to PostgreSQL is a TCP relay this test cuts and restores: a real database outage as
// the API sees it (connections reset, then refused), without stopping the shared server.
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { startTestKinema, waitFor, type TestKinema } from "./helpers/app.js";

/** A relay from a loopback port to PostgreSQL that can be cut (every connection reset, port closed) and restored. */
class Relay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(this.target.port, this.target.host);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => { inbound.destroy(); outbound.destroy(); });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(this.port, "127.0.0.1", resolve); });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

let db: TestDatabase;
let app: TestKinema;
let relay: Relay;
let origin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const url = new URL(db.url);
  relay = new Relay({ host: url.hostname, port: Number(url.port || 5432) });
  await relay.open();
  url.hostname = "127.0.0.1";
  url.port = String(relay.port);
  // Alarms off: their evaluator would log failures during the outage; nothing here needs it.
  app = await startTestKinema({ databaseUrl: url.toString(), env: { KINEMA_ALARM_INTERVAL_MS: "0" } });
  origin = new URL(app.url).origin;
});
afterAll(async () => {
  await relay?.open().catch(() => {}); // so the app can close its connections cleanly
  await app?.stop().catch(() => {});
  await relay?.cut();
  await db?.drop();
});

async function probe(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${origin}${path}`);
  return { status: res.status, body: await res.json() };
}

describe("/readyz and /healthz", () => {
  it("is ready while the database answers", async () => {
    expect(await probe("/readyz")).toEqual({ status: 200, body: { ok: true, checks: { database: "ok" } } });
    expect(await probe("/healthz")).toEqual({ status: 200, body: { ok: true } });
  });

  it("answers 503 within the probe timeout while the database is away, and stays live", async () => {
    await relay.cut();
    const started = performance.now();
    const down = await waitFor(async () => { const p = await probe("/readyz"); return p.status === 503 ? p : null; }, 10_000, "readyz 503");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(down.body).toMatchObject({ ok: false, checks: { database: expect.stringMatching(/^(unreachable \([A-Za-z0-9_]+\)|no answer within \d+ ms)$/) } });
    // No host, port or credential in the public answer.
    expect(JSON.stringify(down.body)).not.toMatch(/127\.0\.0\.1|postgres|\d{4,5}\)/);
    // Liveness never consults the database: restarting every replica would not bring it back.
    expect(await probe("/healthz")).toEqual({ status: 200, body: { ok: true } });
    // Still 503 on the next probe (not a one-off).
    expect((await probe("/readyz")).status).toBe(503);
  });

  it("is ready again once the database is back", async () => {
    await relay.open();
    await waitFor(async () => (await probe("/readyz")).status === 200, 10_000, "readyz 200 again");
    expect((await probe("/readyz")).body).toEqual({ ok: true, checks: { database: "ok" } });
  });

  it("answers HEAD and refuses other methods like any path", async () => {
    expect((await fetch(`${origin}/readyz`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${origin}/readyz`, { method: "POST" })).status).toBe(405);
  });
});
