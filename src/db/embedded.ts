// Embedded mode: PGlite (PostgreSQL in WebAssembly) owned by this one process, with data under the
// data directory, exposed on a Unix socket so `pg` and Prisma connect as to any server. Only one
// process may open a PGlite directory (two lose writes silently), so the owner records its address and
// pid in embedded.json; the CLI connects through that socket instead of opening the directory.
//
// PGlite has no passwords (every connection is the superuser), so the socket is the lock: it is 0600
// in a 0700 folder, and only this user can connect (a loopback TCP port would let any local user in).
// The data folder is 0700 and nothing in it is open to group or others (./private-files.ts).
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { privateDirectory, privateUmask, tightenModes } from "./private-files.js";

export interface EmbeddedDatabase {
  url: string;
  close(): Promise<void>;
}

const INFO_FILE = "embedded.json";
// pg connects to `<host>/.s.PGSQL.<port>` when host is a folder; the port only names the file.
const SOCKET_PORT = 5432;
// sockaddr_un holds 108 bytes; a deeper data folder gets its socket in a private temporary folder.
const MAX_SOCKET_PATH = 100;

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const running = await runningEmbeddedDatabase(dataDir);
  if (running) throw new Error(`the embedded database in ${resolve(dataDir)} is already open by process ${running.pid}; stop it first`);
  privateUmask();
  await privateDirectory(dataDir);
  const db = await PGlite.create(join(dataDir, "pgdata"));
  await tightenModes(dataDir);
  const socketDir = await socketDirectory(dataDir);
  const socketPath = join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  await rm(socketPath, { force: true }); // left by a process that died (none is running: checked above)
  // Connections share PGlite's one session; the socket server queues their statements and keeps a
  // transaction's statements together, so pools must stay small and transactions short.
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 32 });
  await server.start();
  await chmod(socketPath, 0o600);
  const url = `postgresql://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socketDir)}`;
  const infoPath = join(dataDir, INFO_FILE);
  await writeFile(infoPath, JSON.stringify({ pid: process.pid, url }) + "\n", { mode: 0o600 });
  return {
    url,
    async close() {
      await rm(infoPath, { force: true });
      await server.stop();
      await db.close();
      await rm(socketPath, { force: true });
      if (socketDir !== join(dataDir, "run")) await rm(socketDir, { recursive: true, force: true });
      // Files the engine made while it ran (new relations, WAL segments) get the same treatment.
      await tightenModes(dataDir);
    },
  };
}

async function socketDirectory(dataDir: string): Promise<string> {
  const inside = join(resolve(dataDir), "run");
  if (`${inside}/.s.PGSQL.${SOCKET_PORT}`.length <= MAX_SOCKET_PATH) {
    await privateDirectory(inside);
    return inside;
  }
  return mkdtemp(join(tmpdir(), "kinema-db-")); // 0700 by construction
}

/** The embedded database another process of this data directory serves, if that process is alive. */
export async function runningEmbeddedDatabase(dataDir: string): Promise<{ pid: number; url: string } | null> {
  let info: { pid: number; url: string };
  try {
    info = JSON.parse(await readFile(join(dataDir, INFO_FILE), "utf8"));
  } catch {
    return null;
  }
  // A stale file names a dead process, or a pid reused by another: the owner must also answer on its socket.
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
    const folder = url.searchParams.get("host");
    const port = Number(url.port || SOCKET_PORT);
    const socket = folder ? connect({ path: join(folder, `.s.PGSQL.${port}`) }) : connect({ host: url.hostname, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
