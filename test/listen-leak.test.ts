// A LISTEN that fails after the connection is made must not leave that connection open (issue 22): the
// event bus retries with backoff, and each failed attempt used to keep one more session on the server for
// good. The failure is real PostgreSQL traffic through a relay that answers the LISTEN itself with an
// ErrorResponse (the server's session stays open, as it does when LISTEN fails on a live connection).
import { randomUUID } from "node:crypto";
import { createServer, connect, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgEventBus } from "../src/events/pg.js";
import { waitFor } from "./helpers/app.js";
import { ADMIN_URL } from "./helpers/db.js";

/** ErrorResponse ('E': severity, code, message) then ReadyForQuery ('Z', idle), as the server sends them. */
function listenRefused(): Buffer {
  const fields = Buffer.concat([
    Buffer.from("SERROR\0VERROR\0C55000\0Mlisten refused by the test relay\0"), Buffer.from([0]),
  ]);
  const error = Buffer.alloc(5);
  error.write("E", 0);
  error.writeInt32BE(4 + fields.length, 1);
  const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // 'Z', length 5, 'I'
  return Buffer.concat([error, fields, ready]);
}

let relay: Server;
let relayPort: number;
const sockets = new Set<Socket>();
const admin = new pg.Pool({ connectionString: ADMIN_URL, max: 1 });

beforeAll(async () => {
  const target = new URL(ADMIN_URL);
  relay = createServer((client) => {
    const server = connect({ host: target.hostname, port: Number(target.port || 5432) });
    for (const s of [client, server]) { sockets.add(s); s.on("error", () => {}); s.on("close", () => sockets.delete(s)); }
    server.pipe(client);
    client.on("data", (chunk: Buffer) => {
      // A simple-query message ('Q') whose text is a LISTEN: answered here, never forwarded.
      if (chunk[0] === 0x51 && chunk.includes("LISTEN")) client.write(listenRefused());
      else server.write(chunk);
    });
    client.on("close", () => server.destroy());
    server.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  relayPort = (relay.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => relay.close(resolve));
  await admin.end();
});

async function sessions(applicationName: string): Promise<number> {
  const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [applicationName]);
  return rows[0].n;
}

describe("the event bus's LISTEN connection", () => {
  it("is closed when LISTEN fails after the connect, so failed attempts leave no session behind", async () => {
    const name = `kinema-listen-${randomUUID().slice(0, 8)}`;
    const url = new URL(ADMIN_URL);
    url.host = `127.0.0.1:${relayPort}`;
    url.searchParams.set("application_name", name);
    const unused = { query: async () => { throw new Error("not used"); } } as never;
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(PgEventBus.connect(url.toString(), unused)).rejects.toThrow(/listen refused/);
    }
    // The relay really reached the server: a plain client through it holds a session (the control).
    const control = new pg.Client({ connectionString: url.toString() });
    await control.connect();
    await waitFor(async () => (await sessions(name)) >= 1, 10_000, "the control session to show");
    await control.end();
    // Every failed attempt's session is gone (before the fix: 3 stayed open for the process's life).
    await waitFor(async () => (await sessions(name)) === 0, 10_000, "the failed attempts' sessions to close");
    expect(await sessions(name)).toBe(0);
  });
});
