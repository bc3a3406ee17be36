// The real engines of the cluster topology, each its own process on loopback with a config file written
// to a temp dir: PgBouncer (transaction mode) in front of PostgreSQL, HAProxy in front of the API
// processes. Neither is started by the system here; the test owns these instances and their ports.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { join } from "node:path";

export interface Engine {
  port: number;
  /** stops the process (SIGTERM: PgBouncer's and HAProxy's fast exit) and waits for it */
  stop(): Promise<void>;
  /** stops it and starts it again on the same port and config; resolves once it accepts connections */
  restart(): Promise<void>;
  pid(): number | undefined;
}

interface Running { child: ChildProcess; exited: Promise<void>; stopping: boolean }

/** Debian installs both under /usr/sbin, which a non-root PATH often lacks. */
const binary = (name: string) => (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name);

function run(command: string, args: string[], name: string): Running {
  const child = spawn(binary(command), args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4_000); });
  const running: Running = { child, stopping: false, exited: Promise.resolve() };
  // An exit nobody asked for is shown with the end of its log; one we asked for is not.
  running.exited = new Promise<void>((resolve) => child.once("exit", (code) => {
    if (!running.stopping) process.stderr.write(`[${name}] exited ${code} unasked: ${stderr}\n`);
    resolve();
  }));
  return running;
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => { socket.end(); resolve(true); });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function engine(start: () => Running, port: number): Engine {
  let current = start();
  const stop = async () => {
    current.stopping = true;
    current.child.kill("SIGTERM");
    await current.exited;
  };
  return {
    port, stop, pid: () => current.child.pid,
    async restart() {
      await stop();
      current = start();
      await waitForPort(port);
    },
  };
}

export interface PgBouncerOptions { dir: string; port: number; upstreamPort?: number; poolSize: number }

/**
 * PgBouncer 1.18 in transaction mode, every database of the local server behind it, trust auth. It
 * refuses to run as root, so as root it switches to the postgres user (-u), which must read the config.
 */
export async function startPgBouncer(o: PgBouncerOptions): Promise<Engine> {
  const ini = join(o.dir, "pgbouncer.ini");
  await writeFile(join(o.dir, "users.txt"), '"postgres" ""\n');
  await writeFile(ini, `[databases]
* = host=127.0.0.1 port=${o.upstreamPort ?? 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${o.port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(o.dir, "users.txt")}
pool_mode = transaction
max_client_conn = 2000
default_pool_size = ${o.poolSize}
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
admin_users = postgres
log_connections = 0
log_disconnections = 0
`);
  await chmod(o.dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const e = engine(() => run("pgbouncer", [...(asRoot ? ["-u", "postgres"] : []), ini], "pgbouncer"), o.port);
  await waitForPort(o.port);
  return e;
}

export interface HaproxyOptions { dir: string; port: number; backends: number[]; healthPath: string }

/**
 * HAProxy 2.6 in front of the API processes: HTTP mode (WebSocket upgrades pass through; `timeout
 * tunnel` keeps them open), health checks on `healthPath`, and a refused connection retried on the other
 * server. A request already sent to a server that dies is not retried (a mutation could run twice).
 */
export async function startHaproxy(o: HaproxyOptions): Promise<Engine> {
  const cfg = join(o.dir, "haproxy.cfg");
  await writeFile(cfg, `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  timeout tunnel 1h
  # a health check answered late is not a dead server: an API busy with a reconnect storm answers in
  # hundreds of ms on a loaded machine, and marking the last one down turns every request into a 503
  timeout check 5s
  option redispatch
  retries 3
  retry-on conn-failure
frontend api
  bind 127.0.0.1:${o.port}
  default_backend apis
backend apis
  balance roundrobin
  option httpchk GET ${o.healthPath}
  http-check expect status 200
  default-server inter 500ms fall 3 rise 2
${o.backends.map((port, i) => `  server api${i + 1} 127.0.0.1:${port} check`).join("\n")}
`);
  const e = engine(() => run("haproxy", ["-db", "-f", cfg], "haproxy"), o.port);
  await waitForPort(o.port);
  return e;
}
