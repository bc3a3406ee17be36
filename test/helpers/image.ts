// The Kinema container image for tests: build it when needed, run a role from it, stop it. The one module
// that knows podman's command line (test/deploy-image.test.ts and the cluster test use it).
//
//   const image = await ensureImage();                      // "localhost/kinema:<version>", built if missing or stale
//   const worker = await runContainer("worker", { DATABASE_URL: url, KINEMA_METRICS_PORT: "19101" },
//     { name: "kinema-cluster-worker-1", dataDir: "/tmp/kinema-objects" });
//   worker.logs();                                           // stdout + stderr so far
//   await worker.kill("SIGTERM"); await worker.wait();       // the drain, then the exit code
//   await worker.stop();                                     // SIGTERM, SIGKILL after the grace, then removed
//   await removeContainers();                                // every container this process started (afterAll)
//
// Containers run as podman on these machines needs (runc, explicit ulimits), on the host's network (so
// 127.0.0.1 is the host's: PostgreSQL on 5432 and any port the test opened), with a read-only root
// file system, /tmp as a tmpfs and the data directory as a tmpfs or a host folder (`dataDir`, made
// writable for the image's user). HOST defaults to 127.0.0.1, so nothing listens beyond loopback; PORT
// and KINEMA_METRICS_PORT are the caller's to pick (host network: they are host ports).
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./kubernetes.js";

const run = promisify(execFile);
const PODMAN = ["--runtime", "runc"];
const LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];
const BUILD_SCRIPT = resolve(ROOT, "scripts/image-build.sh");
/** Serialises builds between test files (each vitest worker is its own process). */
const BUILD_LOCK = "/tmp/kinema-image-build.lock";

export type Role = "api" | "worker" | "migrate";

export interface RunOptions {
  /** the container's name (default kinema-test-<role>-<random>); use your own prefix */
  name?: string;
  /** a host folder for the data directory (/var/lib/kinema): the disk object store shared with the host */
  dataDir?: string;
  /** arguments after the role, e.g. ["--wait"] for migrate */
  args?: string[];
  /** default: ensureImage()'s tag */
  image?: string;
}

export interface Container {
  name: string;
  /** stdout and stderr so far */
  logs(): Promise<string>;
  /** sends a signal to the container's process (tini passes it on to node) */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** resolves with the exit code once the process has exited */
  wait(): Promise<number>;
  /** SIGTERM, SIGKILL after `graceSeconds`, then removes the container (idempotent) */
  stop(graceSeconds?: number): Promise<void>;
}

export function podmanAvailable(): { available: boolean; reason: string } {
  const probe = spawnSync("podman", [...PODMAN, "--version"], { encoding: "utf8" });
  if (probe.status === 0) return { available: true, reason: "" };
  return { available: false, reason: `podman not found (${probe.error?.message ?? probe.stderr.trim()})` };
}

function imageTag(): string {
  const { version } = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string };
  return process.env.KINEMA_IMAGE ?? `localhost/kinema:${version}`;
}

async function podman(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run("podman", [...PODMAN, ...args], { maxBuffer: 64 << 20, timeout: timeoutMs });
  return stdout;
}

let ensured: Promise<string> | null = null;

/**
 * The image's tag, built first when it is missing or was built from other sources than these
 * (scripts/image-build.sh --source-id; unchanged sources make the rebuild a cache hit). Building from
 * nothing takes minutes (base image, npm ci, ffmpeg). Checked once per process: a test that edits files
 * meanwhile does not trigger a second build.
 */
export function ensureImage(): Promise<string> {
  ensured ??= buildIfStale();
  ensured.catch(() => { ensured = null; }); // a failed build is tried again by the next caller
  return ensured;
}

async function buildIfStale(): Promise<string> {
  const tag = imageTag();
  const wanted = (await run("bash", [BUILD_SCRIPT, "--source-id"], { cwd: ROOT })).stdout.trim();
  const built = await podman(["image", "inspect", "--format", '{{ index .Labels "io.kinema.source-id" }}', tag]).then((s) => s.trim(), () => null);
  if (built === wanted) return tag;
  // Under a lock, and checked again inside it: another test file may have built it meanwhile.
  const script = `podman --runtime runc image inspect --format '{{ index .Labels "io.kinema.source-id" }}' "$0" 2>/dev/null | grep -qx "$1" || bash "$2"`;
  await run("flock", [BUILD_LOCK, "bash", "-c", script, tag, wanted, BUILD_SCRIPT], {
    cwd: ROOT, timeout: 30 * 60_000, maxBuffer: 64 << 20, env: { ...process.env, KINEMA_IMAGE: tag },
  });
  return tag;
}

const started = new Set<Container>();

/** Starts `role` from the image, detached. Environment values are passed as given (HOST: 127.0.0.1 unless set). */
export async function runContainer(role: Role, env: Record<string, string>, options: RunOptions = {}): Promise<Container> {
  const image = options.image ?? await ensureImage();
  const name = options.name ?? `kinema-test-${role}-${randomBytes(3).toString("hex")}`;
  const data = options.dataDir
    ? ["-v", `${options.dataDir}:/var/lib/kinema:U`] // :U chowns the folder to the image's user (10001)
    : ["--tmpfs", "/var/lib/kinema:rw,mode=0700,U"] // U: owned by the image's user;
  const environment = Object.entries({ HOST: "127.0.0.1", ...env }).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  await podman(["rm", "-f", "--ignore", name]);
  await podman(["run", "-d", "--name", name, ...LIMITS, "--network=host", "--read-only", "--tmpfs", "/tmp:rw,mode=1777",
    ...data, ...environment, image, role, ...(options.args ?? [])]);
  let removed = false;
  const container: Container = {
    name,
    logs: async () => {
      const { stdout, stderr } = await run("podman", [...PODMAN, "logs", name], { maxBuffer: 64 << 20 });
      return stdout + stderr;
    },
    kill: async (signal = "SIGTERM") => { await podman(["kill", "--signal", signal, name]); },
    wait: async () => Number((await podman(["wait", name], 30 * 60_000)).trim().split("\n").pop()),
    stop: async (graceSeconds = 10) => {
      if (removed) return;
      removed = true;
      started.delete(container);
      await podman(["stop", "-t", String(graceSeconds), name], (graceSeconds + 30) * 1000).catch(() => {});
      await podman(["rm", "-f", "--ignore", name]);
    },
  };
  started.add(container);
  return container;
}

/** Stops and removes every container this process started (for afterAll). */
export async function removeContainers(): Promise<void> {
  await Promise.all([...started].map((c) => c.stop(2)));
}
