// Embedded mode: PGlite (PostgreSQL in WebAssembly) owned by this one process, with data under the
// data directory, exposed on a loopback port so `pg` and Prisma connect as to any server. Only one
// process may open a PGlite directory (two lose writes silently), so the owner records its address and
// pid in embedded.json; the CLI connects through that port instead of opening the directory.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedDatabase {
  url: string;
  close(): Promise<void>;
}

const INFO_FILE = "embedded.json";

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const running = await runningEmbeddedDatabase(dataDir);
  if (running) throw new Error(`the embedded database in ${resolve(dataDir)} is already open by process ${running.pid}; stop it first`);
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(join(dataDir, "pgdata"));
  // Connections share PGlite's one session; the socket server queues their statements and keeps a
  // transaction's statements together, so pools must stay small and transactions short.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 32 });
  await server.start();
  const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  const infoPath = join(dataDir, INFO_FILE);
  await writeFile(infoPath, JSON.stringify({ pid: process.pid, url }) + "\n");
  return {
    url,
    async close() {
      await rm(infoPath, { force: true });
      await server.stop();
      await db.close();
    },
  };
}

/** The embedded database another process of this data directory serves, if that process is alive. */
export async function runningEmbeddedDatabase(dataDir: string): Promise<{ pid: number; url: string } | null> {
  let info: { pid: number; url: string };
  try {
    info = JSON.parse(await readFile(join(dataDir, INFO_FILE), "utf8"));
  } catch {
    return null;
  }
  // A stale file names a dead process, or a pid reused by another: the owner must also answer on its port.
  return isAlive(info.pid) && (await accepts(new URL(info.url))) ? info : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
